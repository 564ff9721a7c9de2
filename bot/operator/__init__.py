"""Tools for the person running Deskhand: the `deskhand` CLI, doctor, permission reports."""

"""The running process: the composition root, the server, the worker pool and its workers,
background tasks, periodic work, metrics and logs."""

"""The sandbox's Exchange Online: the admin API (`InvokeCommand`) and the mailbox records it
shares with Graph's `mailboxSettings` and `messageRules`."""

"""District staff who work in the web console: accounts, roles, login sessions, the audit log.

Plain Python (no Rasa, no web framework): `staff.accounts` (accounts, passwords, lock-out),
`staff.sessions` (login sessions and their CSRF tokens), `staff.audit` (who did what, when),
`staff.roles` (what each role may do). The console (`console/`) and `daxing staff` use them.
"""

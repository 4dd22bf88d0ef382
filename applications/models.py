# Calls, application forms and their review chain arrive with the applications issue.

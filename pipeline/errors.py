"""Errors a user can fix. The CLI turns them into one line on stderr and exit status 2."""


class UserError(Exception):
    """A problem with the user's input, stated with the fix: `problem` + `fix`."""

    def __init__(self, problem: str, fix: str = ""):
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}" + (f" — {fix}" if fix else ""))

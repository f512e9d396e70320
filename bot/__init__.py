"""alertbot: watches government newsrooms and alerts the people who asked.

The package is the application; `subscriptions` beside it is the library of who-wants-what.
"""

__version__ = "0.1.0"

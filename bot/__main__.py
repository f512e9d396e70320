"""`python -m bot` is `alertbot`."""

from bot.cli import main

raise SystemExit(main())

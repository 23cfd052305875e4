"""`python -m app ...` runs the `strata` command."""

import sys

from app.cli import main

sys.exit(main())

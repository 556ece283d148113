"""``python -m search`` is ``python -m search.run``."""

from search.run import main

raise SystemExit(main())

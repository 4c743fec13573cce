"""``python -m layerscope`` runs the CLI."""

from .cli import main

raise SystemExit(main())

"""`python -m kb` is the `kb` command."""

from cli.main import main

main()

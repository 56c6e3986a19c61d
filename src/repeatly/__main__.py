"""``python -m repeatly``: the same as the ``repeatly`` command."""

from repeatly.cli import main

if __name__ == "__main__":
    main()

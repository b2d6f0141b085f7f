"""The `haios` command line: parsing and printing only."""

"""Rural participatory budgeting: cycles, proposals, screening, ballots and tallies."""

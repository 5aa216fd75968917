"""Paper trading for perpetual contracts: the spot paper machinery with a perpetual account (positions, margin, funding)."""

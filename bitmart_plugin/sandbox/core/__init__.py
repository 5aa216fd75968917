"""The sandbox's pure exchange core shared by both venues: book, matching walk, accounts, events, clock, errors."""

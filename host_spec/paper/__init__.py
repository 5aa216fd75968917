"""The generic paper-trade variant: `<id>_paper_trade` for every connector with an order book stream."""

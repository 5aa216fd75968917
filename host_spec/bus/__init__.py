"""The market-data bus: publish a connector's books and trades to NATS JetStream, read them back as `<id>_bus`.

`host-spec publish <connector>` (publisher.py) follows pairs through the Host API and publishes them;
the default `bus` plugin (plugin.py) offers a `<id>_bus` connector whose streams read them back
(session.py). The wire format is in schema.py, the subjects and names in names.py.
"""

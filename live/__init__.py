"""Live subscriptions: changes from the table's stream to the subscribers they concern.

- `hub`: `Hub`, one per process: opens and closes subscriptions;
- `broker`: topics to subscribers, each with a bounded `Inbox`;
- `topics`: which topics a change concerns;
- `local`: the stream read in this process (the default);
- `broadcast`: one process reads, under a lease, and Redis carries the changes
  to every process (TABLEGATE_BROADCAST_URL).

Nothing here knows about GraphQL: who may see a change is decided by the
resolvers, for each subscriber, when it arrives.
"""

from live.broker import Broker, Inbox
from live.hub import Hub

__all__ = ["Broker", "Hub", "Inbox"]

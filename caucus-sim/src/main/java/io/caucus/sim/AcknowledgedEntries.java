package io.caucus.sim;

import io.caucus.core.NodeId;
import io.caucus.core.message.AppendEntriesResponse;
import java.util.HashMap;
import java.util.Map;

/**
 * Acknowledged entries are kept. A follower acknowledges entries only once they are durable (Raft paper Figure 2:
 * persist before responding), and within one term only that term's leader, whose entries never conflict with each
 * other, changes its log. So a follower that rejects, in term T, an AppendEntries whose previous index it
 * acknowledged in term T has lost entries it acknowledged: its disk lied or its runtime answered before syncing.
 * Unchecked, the leader, whose match index never goes back (§5.3), would probe that index forever.
 */
final class AcknowledgedEntries {

    /** A follower in a term: the key of the highest index it told that term's leader it holds. */
    private record FollowerTerm(NodeId follower, long term) {
    }

    private final InvariantChecker.Failer failer;
    private final Map<FollowerTerm, Long> acknowledged = new HashMap<>();

    AcknowledgedEntries(InvariantChecker.Failer failer) {
        this.failer = failer;
    }

    void onSent(AppendEntriesResponse response) {
        FollowerTerm key = new FollowerTerm(response.from(), response.term());
        if (response.success()) {
            acknowledged.merge(key, response.matchIndex(), Math::max);
            return;
        }
        Long held = acknowledged.get(key);
        if (held != null && response.rejectedIndex() <= held) {
            failer.fail("Acknowledged entries kept", response.from() + " acknowledged index " + held + " in term "
                    + response.term() + " and then rejected an AppendEntries after index " + response.rejectedIndex()
                    + " of that term: it lost entries it had acknowledged");
        }
    }
}

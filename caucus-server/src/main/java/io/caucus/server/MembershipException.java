package io.caucus.server;

import io.caucus.core.NodeId;
import java.util.Objects;
import java.util.Optional;

/**
 * A membership change or a leadership transfer was refused, or a transfer ended otherwise than asked;
 * {@link #reason()} says which. Nothing was changed (for {@link Reason#TRANSFER_FAILED}: leadership moved, but
 * not where asked), so the outcome is always known. Data commands never fail with this exception.
 *
 * <p>The core refuses a configuration change with a {@code ProposeResult.Reason}; each membership refusal among
 * those has the {@link Reason} of the same name here, except that the core's {@code TRANSFERRING_LEADERSHIP} is
 * reported as {@link Reason#CHANGE_IN_PROGRESS} (a transfer is a change under way). The core's other reasons
 * are not about membership and fail membership requests the way they fail data commands:
 * {@code NOT_LEADER} with {@link NotLeaderException} or {@link NoLeaderException}, {@code TOO_MANY_UNCOMMITTED}
 * with {@link OverloadedException}.
 */
public final class MembershipException extends CaucusException {

    private static final long serialVersionUID = 1L;

    /** Why a membership change or a leadership transfer did not happen as asked. */
    public enum Reason {
        /**
         * Another membership change or a leadership transfer is still under way: Caucus makes one change at a
         * time (Raft paper §6). Retry once the earlier one has finished.
         */
        CHANGE_IN_PROGRESS,
        /**
         * The node named is not a member in the way the request requires (promoting or removing a node that is
         * not in the configuration, transferring leadership to a non-voter).
         */
        UNKNOWN_MEMBER,
        /** The node to add is already a member (voter or learner), or the learner to promote is already a voter. */
        ALREADY_MEMBER,
        /**
         * The learner to promote is not yet close behind the leader ({@code RaftOptions.maxLearnerLagEntries}):
         * making it a voter now could stall commits while it catches up. Retry once it has caught up.
         */
        LEARNER_BEHIND,
        /** The change would remove the last voter, leaving a cluster that can never decide anything. */
        LAST_VOTER,
        /**
         * The learner to promote has no address in the replicated configuration (a learner added by a version
         * that did not replicate addresses, or written into a bootstrap record by hand). As a voter it would need
         * every member to answer its votes, and members that cannot dial it would leave it campaigning without
         * a leader. Remove it and add it again with its address. The core has no such refusal: addresses are the
         * runtime's.
         */
        ADDRESS_UNKNOWN,
        /**
         * A leadership transfer ended with another node than its target elected ({@link #leader()} names it).
         * The core has no such refusal: the runtime sees it when it learns the new leader.
         */
        TRANSFER_FAILED
    }

    private final Reason reason;
    private final transient NodeId node;
    private final transient NodeId leader;

    /** @param node the node the refused change or transfer named */
    public MembershipException(Reason reason, NodeId node, String message) {
        this(reason, node, null, message);
    }

    /**
     * @param node   the node the refused change or transfer named
     * @param leader for {@link Reason#TRANSFER_FAILED}, the node that leads instead of {@code node}; else null
     */
    public MembershipException(Reason reason, NodeId node, NodeId leader, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.node = node;
        this.leader = leader;
    }

    public Reason reason() {
        return reason;
    }

    /** The node the refused change or transfer named. */
    public NodeId node() {
        return node;
    }

    /** For {@link Reason#TRANSFER_FAILED}: the node that leads instead of the target; otherwise empty. */
    public Optional<NodeId> leader() {
        return Optional.ofNullable(leader);
    }

    @Override
    public boolean outcomeKnown() {
        return true;
    }
}

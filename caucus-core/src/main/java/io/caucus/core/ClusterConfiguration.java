package io.caucus.core;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who is in the cluster. Voters elect leaders and count towards commitment; learners only receive the log.
 * During a joint-consensus change (Raft paper §6) {@code outgoingVoters} holds C_old and {@code voters}
 * holds C_new, and every decision needs a majority of each; outside a change {@code outgoingVoters} is empty.
 *
 * <p>{@code addresses} maps a member to where it can be reached, as the runtime wrote it when the member was
 * added. The core never reads it: it only carries it from one configuration to the next, so that every member
 * learns a new member's address from the log (Raft paper §6 leaves addresses to the implementation; hashicorp
 * raft keeps them in its configuration for the same reason). An address is kept for members only.
 *
 * <p>Invariant: a node is never both a voter and a learner; the voter set is never empty.
 */
public record ClusterConfiguration(Set<NodeId> voters, Set<NodeId> outgoingVoters, Set<NodeId> learners,
                                   Map<NodeId, String> addresses) {

    public ClusterConfiguration(Set<NodeId> voters, Set<NodeId> outgoingVoters, Set<NodeId> learners) {
        this(voters, outgoingVoters, learners, Map.of());
    }

    public ClusterConfiguration {
        voters = sortedCopy(voters);
        outgoingVoters = sortedCopy(outgoingVoters);
        learners = sortedCopy(learners);
        addresses = membersOnly(addresses, voters, outgoingVoters, learners);
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("a configuration needs at least one voter");
        }
        for (NodeId learner : learners) {
            if (voters.contains(learner) || outgoingVoters.contains(learner)) {
                throw new IllegalArgumentException(learner + " is both a voter and a learner");
            }
        }
    }

    /** A simple (non-joint) configuration of voters only. */
    public static ClusterConfiguration ofVoters(Set<NodeId> voters) {
        return new ClusterConfiguration(voters, Set.of(), Set.of());
    }

    public static ClusterConfiguration ofVoters(String... ids) {
        Set<NodeId> voters = new TreeSet<>();
        for (String id : ids) {
            voters.add(NodeId.of(id));
        }
        return ofVoters(voters);
    }

    public boolean isJoint() {
        return !outgoingVoters.isEmpty();
    }

    public boolean isVoter(NodeId id) {
        return voters.contains(id) || outgoingVoters.contains(id);
    }

    public boolean isMember(NodeId id) {
        return isVoter(id) || learners.contains(id);
    }

    /** Every node the leader replicates to: voters of both halves and learners. */
    public Set<NodeId> members() {
        Set<NodeId> all = new TreeSet<>(voters);
        all.addAll(outgoingVoters);
        all.addAll(learners);
        return Collections.unmodifiableSet(all);
    }

    /** True if {@code granted} holds a majority of every voter set in force (one set, or both when joint). */
    public boolean hasQuorum(Set<NodeId> granted) {
        return Quorum.isMajority(voters, granted) && (!isJoint() || Quorum.isMajority(outgoingVoters, granted));
    }

    /**
     * The highest index replicated on a quorum, given each voter's match index. Under joint consensus the
     * smaller of the two halves' answers: an entry is committed only with majorities of both (§6).
     */
    public long quorumIndex(java.util.function.ToLongFunction<NodeId> matchIndex) {
        long incoming = Quorum.majorityIndex(voters, matchIndex);
        return isJoint() ? Math.min(incoming, Quorum.majorityIndex(outgoingVoters, matchIndex)) : incoming;
    }

    /** This configuration with {@code node}'s address set to {@code address} (a member's, or kept by nobody). */
    public ClusterConfiguration withAddress(NodeId node, String address) {
        Map<NodeId, String> next = new TreeMap<>(addresses);
        next.put(node, address);
        return new ClusterConfiguration(voters, outgoingVoters, learners, next);
    }

    private static Map<NodeId, String> membersOnly(Map<NodeId, String> addresses, Set<NodeId> voters,
                                                   Set<NodeId> outgoingVoters, Set<NodeId> learners) {
        Map<NodeId, String> kept = new TreeMap<>();
        if (addresses != null) {
            addresses.forEach((node, address) -> {
                if (address != null && (voters.contains(node) || outgoingVoters.contains(node)
                        || learners.contains(node))) {
                    kept.put(node, address);
                }
            });
        }
        return Collections.unmodifiableMap(kept);
    }

    private static Set<NodeId> sortedCopy(Set<NodeId> ids) {
        return ids == null ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(ids));
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("voters=").append(voters);
        if (isJoint()) {
            text.append(" outgoing=").append(outgoingVoters);
        }
        if (!learners.isEmpty()) {
            text.append(" learners=").append(learners);
        }
        return text.toString();
    }
}

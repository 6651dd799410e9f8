package io.caucus.core;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who is in the cluster. Voters elect leaders and count towards commitment; learners only receive the log.
 * During a joint-consensus change (Raft paper §6) {@code outgoingVoters} holds C_old and {@code voters}
 * holds C_new, and every decision needs a majority of each; outside a change {@code outgoingVoters} is empty.
 *
 * <p>{@code addresses} maps a member to where it can be reached ({@link MemberAddresses}: its Raft address and any
 * other kinds), as the runtime wrote them in the bootstrap configuration, when the member was added, or when its
 * addresses were changed. The core never reads them: it only carries them from one configuration to the next, so
 * that every member learns every member's addresses from the log (Raft paper §6 leaves addresses to the
 * implementation; hashicorp raft keeps them in its configuration for the same reason). Addresses are kept for
 * members only.
 *
 * <p>Invariant: a node is never both a voter and a learner; the voter set is never empty.
 */
public record ClusterConfiguration(Set<NodeId> voters, Set<NodeId> outgoingVoters, Set<NodeId> learners,
                                   Map<NodeId, MemberAddresses> addresses) {

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

    /**
     * This configuration with {@code node}'s addresses replaced by {@code replacement} (null: none), kept only if
     * {@code node} is a member.
     */
    public ClusterConfiguration withAddresses(NodeId node, MemberAddresses replacement) {
        Map<NodeId, MemberAddresses> next = new TreeMap<>(addresses);
        if (replacement == null) {
            next.remove(node);
        } else {
            next.put(node, replacement);
        }
        return new ClusterConfiguration(voters, outgoingVoters, learners, next);
    }

    /** {@code node}'s Raft address, if the configuration carries one. */
    public Optional<String> raftAddress(NodeId node) {
        MemberAddresses known = addresses.get(node);
        return known == null ? Optional.empty() : known.raft();
    }

    private static Map<NodeId, MemberAddresses> membersOnly(Map<NodeId, MemberAddresses> addresses,
                                                            Set<NodeId> voters, Set<NodeId> outgoingVoters,
                                                            Set<NodeId> learners) {
        Map<NodeId, MemberAddresses> kept = new TreeMap<>();
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

package io.caucus.server;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * The cluster's membership as one node sees it: the configuration in force and, for each member, its part in
 * it and (when that node leads) how far its log is replicated.
 *
 * <p>Two words for one idea, one per layer: the core (caucus-core) speaks of the <em>configuration</em>, as the
 * Raft paper does ({@link ClusterConfiguration}, {@code ConfigurationChange}, configuration entries in the log,
 * {@code RaftNode.proposeConfigurationChange}); this runtime and everything above it speak of
 * <em>membership</em> ({@code Membership}, {@link MembershipException}, {@code CaucusNode.addLearner},
 * {@code promote}, {@code remove}, the admin port's {@code /members}). A {@code Membership} is a
 * {@link ClusterConfiguration} with each member's part and progress; a membership change is one
 * {@code ConfigurationChange}, and a change of voters is two configuration entries (C_old,new then C_new).
 *
 * @param reportedBy    the node whose view this is
 * @param leader        the leader that node knows of, or null
 * @param term          that node's current term
 * @param configuration the configuration in force there (configuration entries take effect when appended, §6)
 * @param members       every member, voters first, in id order
 */
public record Membership(NodeId reportedBy, NodeId leader, long term, ClusterConfiguration configuration,
                         List<Member> members) {

    public Membership {
        members = List.copyOf(members);
    }

    /** What a member takes part in. */
    public enum Part {
        /** Votes and counts toward commitment. */
        VOTER,
        /** Votes only in the outgoing half of a joint configuration (C_old, being removed). */
        OUTGOING_VOTER,
        /** Receives the log but does not vote; promoted once it is close behind. */
        LEARNER
    }

    /**
     * @param matchIndex     the highest index known replicated on it, as the leader sees it; -1 unless
     *                       {@code reportedBy} is the leader (the leader's own entry is its last index)
     * @param recentlyActive whether it answered the leader within the last election timeout (false unless
     *                       {@code reportedBy} leads; true for the leader itself)
     * @param raftAddress    its peer address as known to {@code reportedBy}, if known
     * @param clientAddress  where clients reach it, as {@code reportedBy} knows it (the log's, else its own list)
     * @param adminAddress   where operators reach it, as the log gives it
     */
    public record Member(NodeId id, Part part, long matchIndex, boolean recentlyActive,
                         Optional<InetSocketAddress> raftAddress, Optional<InetSocketAddress> clientAddress,
                         Optional<InetSocketAddress> adminAddress) {

        /** A member whose client and admin addresses are not known. */
        public Member(NodeId id, Part part, long matchIndex, boolean recentlyActive,
                      Optional<InetSocketAddress> raftAddress) {
            this(id, part, matchIndex, recentlyActive, raftAddress, Optional.empty(), Optional.empty());
        }
    }

    public Optional<Member> member(NodeId id) {
        return members.stream().filter(member -> member.id().equals(id)).findFirst();
    }
}

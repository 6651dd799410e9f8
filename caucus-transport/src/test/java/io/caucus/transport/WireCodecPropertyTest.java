package io.caucus.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.MemberAddresses;
import io.caucus.core.EntryType;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.HeartbeatResponse;
import io.caucus.core.message.TimeoutNow;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.InstallSnapshotResponse;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.ReadIndexRequest;
import io.caucus.core.message.ReadIndexResponse;
import io.caucus.core.message.RequestVote;
import io.caucus.core.message.RequestVoteResponse;
import io.caucus.transport.proto.Wire;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The codec alone: every generated message decodes to an equal message after serialization. */
class WireCodecPropertyTest {

    @Property(tries = 500)
    void everyMessageRoundTrips(@ForAll("messages") RaftMessage message) throws Exception {
        Wire.Frame frame = WireCodec.toFrame(message);
        RaftMessage decoded = WireCodec.fromFrame(Wire.Frame.parseFrom(frame.toByteArray())).orElseThrow();
        assertThat(decoded).usingRecursiveComparison().isEqualTo(message);
        assertThat(decoded).isEqualTo(message);
    }

    @Provide
    Arbitrary<RaftMessage> messages() {
        return Arbitraries.oneOf(requestVotes(), requestVoteResponses(), appendEntries(), appendEntriesResponses(),
                heartbeats(), heartbeatResponses(), timeoutNows(), installSnapshots(),
                installSnapshotResponses(), readIndexRequests(), readIndexResponses());
    }

    private static Arbitrary<NodeId> nodeIds() {
        return Arbitraries.strings()
                .withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9').withChars('-', '_', '.')
                .ofMinLength(1).ofMaxLength(NodeId.MAX_LENGTH)
                .map(NodeId::of);
    }

    /** Any long: uint64 on the wire carries all 64 bits, so even negative values must survive. */
    private static Arbitrary<Long> numbers() {
        return Arbitraries.oneOf(Arbitraries.longs().between(0, 1000), Arbitraries.longs(),
                Arbitraries.of(0L, Long.MAX_VALUE, Long.MIN_VALUE, -1L));
    }

    private static Arbitrary<Boolean> flags() {
        return Arbitraries.of(true, false);
    }

    private static Arbitrary<RaftMessage> requestVotes() {
        return Combinators.combine(nodeIds(), nodeIds(), numbers(), numbers(), numbers(), flags(), flags())
                .as((from, to, term, index, lastTerm, pre, transfer) ->
                        new RequestVote(from, to, term, index, lastTerm, pre, transfer));
    }

    private static Arbitrary<RaftMessage> requestVoteResponses() {
        return Combinators.combine(nodeIds(), nodeIds(), numbers(), flags(), flags())
                .as(RequestVoteResponse::new);
    }

    private static Arbitrary<LogEntry> logEntries() {
        return Combinators.combine(Arbitraries.longs().greaterOrEqual(1), Arbitraries.longs().greaterOrEqual(1),
                        Arbitraries.of(EntryType.class), Arbitraries.bytes().array(byte[].class).ofMaxSize(64))
                .as(LogEntry::new);
    }

    private static Arbitrary<RaftMessage> appendEntries() {
        return Combinators.combine(nodeIds(), nodeIds(), numbers(), numbers(), numbers(),
                        logEntries().list().ofMaxSize(8), numbers())
                .as(AppendEntries::new);
    }

    private static Arbitrary<RaftMessage> appendEntriesResponses() {
        return Combinators.combine(nodeIds(), nodeIds(), numbers(), flags(), numbers(), numbers(), numbers(),
                        numbers())
                .as(AppendEntriesResponse::new);
    }

    private static Arbitrary<RaftMessage> heartbeats() {
        return Combinators.combine(nodeIds(), nodeIds(), numbers(), numbers(), numbers()).as(Heartbeat::new);
    }

    private static Arbitrary<RaftMessage> heartbeatResponses() {
        return Combinators.combine(nodeIds(), nodeIds(), numbers(), numbers()).as(HeartbeatResponse::new);
    }

    private static Arbitrary<RaftMessage> timeoutNows() {
        return Combinators.combine(nodeIds(), nodeIds(), numbers()).as(TimeoutNow::new);
    }

    private static Arbitrary<RaftMessage> readIndexRequests() {
        return Combinators.combine(nodeIds(), nodeIds(), numbers(), numbers()).as(ReadIndexRequest::new);
    }

    private static Arbitrary<RaftMessage> readIndexResponses() {
        return Combinators.combine(nodeIds(), nodeIds(), numbers(), numbers(), flags(), numbers())
                .as(ReadIndexResponse::new);
    }

    /** Disjoint voters, outgoing voters and learners, as ClusterConfiguration requires; some with addresses. */
    private static Arbitrary<ClusterConfiguration> configurations() {
        return Combinators.combine(nodeIds().set().ofMinSize(1).ofMaxSize(5), nodeIds().set().ofMaxSize(5),
                        nodeIds().set().ofMaxSize(5), Arbitraries.strings().ofMaxLength(30))
                .as((voters, outgoing, learners, address) -> {
                    Set<NodeId> disjointLearners = new HashSet<>(learners);
                    disjointLearners.removeAll(voters);
                    disjointLearners.removeAll(outgoing);
                    ClusterConfiguration configuration = new ClusterConfiguration(voters, outgoing, disjointLearners);
                    return address.isEmpty() ? configuration
                            : configuration.withAddresses(voters.iterator().next(), address.length() % 2 == 0
                                    ? MemberAddresses.ofRaft(address)
                                    : new MemberAddresses(java.util.Map.of(MemberAddresses.RAFT, address,
                                            MemberAddresses.CLIENT, address + "c", "later-kind", address)));
                });
    }

    private static Arbitrary<RaftMessage> installSnapshots() {
        return Combinators.combine(nodeIds(), nodeIds(), numbers(), Arbitraries.longs().greaterOrEqual(1),
                        Arbitraries.longs().greaterOrEqual(1), configurations())
                .as((from, to, term, index, lastTerm, configuration) ->
                        new InstallSnapshot(from, to, term, new SnapshotMetadata(index, lastTerm, configuration)));
    }

    private static Arbitrary<RaftMessage> installSnapshotResponses() {
        return Combinators.combine(nodeIds(), nodeIds(), numbers(), numbers(), flags())
                .as(InstallSnapshotResponse::new);
    }
}

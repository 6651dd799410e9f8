package io.caucus.kv.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import io.caucus.kv.FakeNode;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.command.Reply;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import io.caucus.server.NoLeaderException;
import io.caucus.server.NotLeaderException;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retries and the honesty of the final error, against a scripted single node. */
class ClusterBackendTest {

    private final FakeNode node = new FakeNode("n1");
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final ClusterConfig config = ConfigLoader.parse(Path.of("test.yaml"), """
            nodes:
              - {id: n1, raft: 127.0.0.1:1, client: 127.0.0.1:2, http: 127.0.0.1:3}
            """);
    private final ClusterBackend backend = new ClusterBackend(node, config, new LeaderForwarder(group), scheduler,
            Duration.ofMillis(400));

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static final byte[] GET_N = EntryCodec.encode(new KvQuery.Call(0,
            List.of("GET".getBytes(StandardCharsets.UTF_8), "n".getBytes(StandardCharsets.UTF_8))));

    /** This node as n1, a follower of n2, whose client port cannot be reached: anything forwarded fails. */
    private ClusterBackend followerOfUnreachableN2() {
        ClusterConfig two = ConfigLoader.parse(Path.of("test.yaml"), """
                nodes:
                  - {id: n1, raft: 127.0.0.1:1, client: 127.0.0.1:2, http: 127.0.0.1:3}
                  - {id: n2, raft: 127.0.0.1:4, client: 127.0.0.1:5, http: 127.0.0.1:6}
                """);
        node.leader = NodeId.of("n2");
        return new ClusterBackend(node, two, new LeaderForwarder(group), scheduler, Duration.ofMillis(300));
    }

    private long register() {
        return ((Reply.Int) EntryCodec.decodeReply(backend.submit(EntryCodec.encode(new KvEntry.Register(0)))
                .join())).value();
    }

    private static byte[] increment(long client, long sequence) {
        return EntryCodec.encode(new KvEntry.SessionCommand(0, client, sequence, new KvEntry.Call(
                List.of("INCR".getBytes(StandardCharsets.UTF_8), "n".getBytes(StandardCharsets.UTF_8)))));
    }

    @Test
    void retriesAfterNoLeaderAndNotLeaderUntilItSucceeds() {
        long client = register();
        node.scriptedSubmitFailures.add(() -> new NoLeaderException("election"));
        node.scriptedSubmitFailures.add(() -> new NotLeaderException(NodeId.of("n1")));
        assertThat(EntryCodec.decodeReply(backend.submit(increment(client, 1)).join())).isEqualTo(new Reply.Int(1));
        assertThat(node.submits).isEqualTo(4);
    }

    @Test
    void aWriteWhoseFirstAttemptAppliedButLostItsReplyIsRetriedAndAppliedOnce() {
        long client = register();
        byte[] command = increment(client, 1);
        node.scriptedSubmitFailures.add(() -> {
            node.applyButLoseReply(command, new OutcomeUnknownException("leader changed"));
            return new OutcomeUnknownException("leader changed");
        });
        assertThat(EntryCodec.decodeReply(backend.submit(command).join())).isEqualTo(new Reply.Int(1));
        assertThat(EntryCodec.decodeReply(node.read(GET_N).join())).usingRecursiveComparison()
                .isEqualTo(new Reply.Bulk("1".getBytes()));
    }

    @Test
    void withNoLeaderUntilTheDeadlineTheWriteIsReportedNotApplied() {
        node.leader = null;
        assertThatThrownBy(() -> backend.submit(increment(1, 1)).join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(NoLeaderException.class);
        assertThat(node.submits).isZero();
    }

    @Test
    void onceAnAttemptsOutcomeIsUnknownTheFinalErrorIsUnknown() {
        long client = register();
        node.scriptedSubmitFailures.add(() -> new OutcomeUnknownException("timed out"));
        for (int i = 0; i < 100; i++) {
            node.scriptedSubmitFailures.add(() -> new NoLeaderException("election"));
        }
        assertThatThrownBy(() -> backend.submit(increment(client, 1)).join())
                .hasCauseInstanceOf(OutcomeUnknownException.class);
    }

    @Test
    void aWriteThatOvertookItsPredecessorIsRetriedUntilItCanApplyInOrder() {
        long client = register();
        var second = backend.submit(increment(client, 2)); // refused as out of order, then retried
        var first = backend.submit(increment(client, 1));
        assertThat(EntryCodec.decodeReply(first.join())).isEqualTo(new Reply.Int(1));
        assertThat(EntryCodec.decodeReply(second.join())).isEqualTo(new Reply.Int(2));
    }

    @Test
    void aWriteWhosePredecessorNeverArrivesIsRefusedAsNotApplied() {
        long client = register();
        Reply refused = EntryCodec.decodeReply(backend.submit(increment(client, 2)).join());
        assertThat(((Reply.Error) refused).code()).isEqualTo(ErrorCodes.OUTOFORDER);
        assertThat(ErrorCodes.notApplied(ErrorCodes.OUTOFORDER)).isTrue();
        assertThat(node.submits).isGreaterThan(2); // retried meanwhile
    }

    @Test
    void overloadIsNotRetried() {
        node.scriptedSubmitFailures.add(() -> new OverloadedException("full"));
        assertThatThrownBy(() -> backend.submit(increment(1, 1)).join()).hasCauseInstanceOf(OverloadedException.class);
        assertThat(node.submits).isEqualTo(1);
    }

    /**
     * A time taken here, before the request reaches the node's queue, could be overtaken by a later one another
     * client thread takes and queues first; the node stamps its time as it takes the request (TimeStamper).
     */
    @Test
    void theBackendLeavesTheTimeToTheNode() {
        long client = register();
        byte[] write = increment(client, 1);
        backend.submit(write).join();
        backend.read(GET_N).join();
        assertThat(node.received).hasSize(3);
        assertThat(node.received.get(1)).isEqualTo(write);
        assertThat(node.received.get(2)).isEqualTo(GET_N);
        assertThat(EntryCodec.decodeEntry(node.received.get(1)).timeMillis()).isZero();
    }

    @Test
    void aFollowerForwardsToAnUnreachableLeaderAndReportsNoLeader() {
        ClusterBackend follower = followerOfUnreachableN2();
        assertThatThrownBy(() -> follower.submit(increment(1, 1)).join()).hasCauseInstanceOf(NoLeaderException.class)
                .hasMessageContaining("n2");
        assertThat(node.submits).isZero();
    }

    @Test
    void aFollowerServesReadsItselfWhileItForwardsWrites() {
        long client = register();
        backend.submit(increment(client, 1)).join();
        ClusterBackend follower = followerOfUnreachableN2();
        assertThat(EntryCodec.decodeReply(follower.read(GET_N).join())).usingRecursiveComparison()
                .isEqualTo(new Reply.Bulk("1".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aReadItsLeaderRefusesForThisFollowerIsForwardedInstead() {
        ClusterBackend follower = followerOfUnreachableN2();
        node.scriptedReadFailures.add(() -> new NotLeaderException(NodeId.of("n2")));
        // Forwarded to n2, which cannot be reached here: the failure names it.
        assertThatThrownBy(() -> follower.read(GET_N).join()).hasCauseInstanceOf(NoLeaderException.class)
                .hasMessageContaining("n2");
        assertThat(node.reads).as("served here once, then only forwarded").isEqualTo(1);
    }

    @Test
    void aFollowerForwardsToTheClientAddressTheLogGivesBeforeTheFilesOne() {
        ClusterBackend follower = followerOfUnreachableN2();
        node.loggedClientAddresses.put(NodeId.of("n2"), new java.net.InetSocketAddress("127.0.0.1", 8));
        assertThatThrownBy(() -> follower.submit(increment(1, 1)).join()).hasCauseInstanceOf(NoLeaderException.class)
                .hasMessageContaining("127.0.0.1:8");

        // A leader the file does not list at all (added later) is still reached, at the log's address.
        node.leader = NodeId.of("n7");
        node.loggedClientAddresses.put(NodeId.of("n7"), new java.net.InetSocketAddress("127.0.0.1", 9));
        assertThatThrownBy(() -> follower.submit(increment(1, 1)).join()).hasCauseInstanceOf(NoLeaderException.class)
                .hasMessageContaining("leader n7 at").hasMessageContaining("127.0.0.1:9");
        assertThat(node.submits).isZero();
    }
}

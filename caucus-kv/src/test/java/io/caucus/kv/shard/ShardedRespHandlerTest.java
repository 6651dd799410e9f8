package io.caucus.kv.shard;

import static io.caucus.kv.protocol.RespTestChannel.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.kv.FakeNode;
import io.caucus.kv.cluster.KvBackend;
import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.command.Reply;
import io.caucus.kv.config.ClientLimits;
import io.caucus.kv.protocol.Acl;
import io.caucus.kv.protocol.KvMetrics;
import io.caucus.kv.protocol.RespCodec;
import io.caucus.kv.protocol.RespHandler;
import io.caucus.kv.protocol.RespTestChannel;
import io.caucus.kv.slots.KeySlot;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotRange;
import io.caucus.kv.state.MoveStep;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The RESP front end of a sharded node over the real {@link ShardRouter} and slot map: node n1 replicates groups 2
 * (slots 0..8191, led here) and 3 (slots 8192..16383, led by n2). Keys: "b" (3300) and "k2" (862) hash to group 2,
 * "a" (15495) and "d" (11298) to group 3.
 */
class ShardedRespHandlerTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");

    private final FakeNode group2 = new FakeNode("n1");
    private final FakeNode group3 = new FakeNode("n1");
    private final List<String> calls = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel();

    private final SlotMapStateMachine metadata = new SlotMapStateMachine();
    /** The metadata group's replica here: its reads answer the map {@link #metadata} holds, unless a test says. */
    private final FakeNode metadataNode = new FakeNode("n1");
    private final ShardRouter router;

    ShardedRespHandlerTest() {
        group3.leader = N2;
        metadata.apply(1, SlotMapStateMachine.install(0, ShardLayout.of(List.of(N1, N2, N3), 2, 3).initialMap()));
        metadataNode.readAnswer = metadata::query;
        router = new ShardRouter(N1, metadata, metadataNode, Map.of(
                2L, new ShardRouter.Replica(group2, backend("g2", group2), group2.stateMachine::handedOverTo),
                3L, new ShardRouter.Replica(group3, backend("g3", group3), group3.stateMachine::handedOverTo)),
                Map.of(N1, new InetSocketAddress("127.0.0.1", 7001), N2, new InetSocketAddress("127.0.0.1", 7002),
                        N3, new InetSocketAddress("127.0.0.1", 7003)));
        RespCodec.addServerTo(channel.pipeline());
        channel.pipeline().addLast(new RespHandler(router, new KvMetrics(), Acl.open(), ClientLimits.DEFAULTS));
    }

    /** A group's replica that records what reaches it. */
    private KvBackend backend(String name, FakeNode node) {
        return new KvBackend() {
            @Override
            public CompletableFuture<byte[]> submit(byte[] command) {
                calls.add(name + " " + switch (EntryCodec.decodeEntry(command)) {
                    case KvEntry.Register ignored -> "register";
                    case KvEntry.SessionCommand session -> "write of session " + session.clientId();
                    case KvEntry.Sweep ignored -> "sweep";
                    case KvEntry.Move ignored -> "move";
                });
                return node.submit(command);
            }

            @Override
            public CompletableFuture<byte[]> read(byte[] query) {
                calls.add(name + " read");
                return node.read(query);
            }

            @Override
            public CompletableFuture<byte[]> submitHere(byte[] command) {
                calls.add(name + " forwarded write");
                return node.submit(command);
            }

            @Override
            public CompletableFuture<byte[]> readHere(byte[] query) {
                return node.read(query);
            }

            @Override
            public NodeStatus status() {
                return node.status();
            }
        };
    }

    private String send(String raw) {
        return RespTestChannel.exchange(channel, raw.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theKeysAreAsDocumented() {
        assertThat(KeySlot.of("b".getBytes())).isEqualTo(3300);
        assertThat(KeySlot.of("k2".getBytes())).isEqualTo(449);
        assertThat(KeySlot.of("a".getBytes())).isEqualTo(15495);
        assertThat(KeySlot.of("d".getBytes())).isEqualTo(11298);
    }

    @Test
    void aSlotLedHereIsServedWithOneSessionAndASlotLedElsewhereIsRedirected() {
        assertThat(send(command("SET", "b", "1") + command("SET", "k2", "2") + command("GET", "b")))
                .isEqualTo("+OK\r\n+OK\r\n$1\r\n1\r\n");
        assertThat(send(command("SET", "a", "1"))).isEqualTo("-MOVED 15495 127.0.0.1:7002\r\n");
        assertThat(calls).containsExactly("g2 register", "g2 write of session 1", "g2 write of session 1",
                "g2 read");
    }

    @Test
    void eachGroupTheConnectionWritesToGetsASessionOfItsOwn() {
        group3.leader = null; // electing: the command waits in the group's backend rather than being redirected
        assertThat(send(command("SET", "b", "1") + command("SET", "a", "2") + command("SET", "d", "3")
                + command("SET", "b", "4"))).isEqualTo("+OK\r\n+OK\r\n+OK\r\n+OK\r\n");
        assertThat(calls).containsExactly("g2 register", "g2 write of session 1", "g3 register",
                "g3 write of session 1", "g3 write of session 1", "g2 write of session 1");
    }

    @Test
    void keysOfTwoSlotsAreRefusedAndNothingIsSent() {
        assertThat(send(command("MSET", "b", "1", "k2", "2"))).isEqualTo(
                "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
        // Queued one by one, two slots pass the queue; EXEC then runs none of them, as redis-server does.
        assertThat(send(command("MULTI") + command("SET", "b", "1") + command("SET", "k2", "2")
                + command("EXEC"))).isEqualTo("+OK\r\n+QUEUED\r\n+QUEUED\r\n"
                + "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
        assertThat(calls).isEmpty();
    }

    @Test
    void aRedirectInsideATransactionFailsIt() {
        assertThat(send(command("MULTI") + command("SET", "b", "1") + command("SET", "a", "2") + command("EXEC")))
                .isEqualTo("+OK\r\n+QUEUED\r\n-MOVED 15495 127.0.0.1:7002\r\n"
                        + "-EXECABORT Transaction discarded because of previous errors.\r\n");
        assertThat(calls).isEmpty();
    }

    @Test
    void aTransactionRunsInItsSlotsGroupWithTheKeysItWatches() {
        assertThat(send(command("WATCH", "b") + command("MULTI") + command("INCR", "b") + command("PING")
                + command("EXEC"))).isEqualTo("+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:1\r\n+PONG\r\n");
        assertThat(calls).containsExactly("g2 read", "g2 register", "g2 write of session 1");
        // Watched keys of one group and a transaction of another: the group could not compare the watch's index.
        group3.leader = N1;
        calls.clear();
        assertThat(send(command("WATCH", "b") + command("MULTI") + command("SET", "a", "1") + command("EXEC")))
                .isEqualTo("+OK\r\n+OK\r\n+QUEUED\r\n-CROSSSLOT Keys in request don't hash to the same slot\r\n");
        assertThat(calls).containsExactly("g2 read");
    }

    @Test
    void aCommandNamingNoKeyCoversTheGroupsLedHereAsAMasterAnswersForItsSlots() {
        group3.leader = N1;
        assertThat(send(command("SET", "b", "1") + command("SET", "a", "2") + command("SET", "d", "3")))
                .isEqualTo("+OK\r\n+OK\r\n+OK\r\n");
        assertThat(send(command("DBSIZE"))).isEqualTo(":3\r\n");
        assertThat(send(command("KEYS", "*"))).startsWith("*3\r\n");
        group3.leader = N2; // group 3's slots are n2's now: n1 answers for group 2's only
        calls.clear();
        assertThat(send(command("DBSIZE") + command("KEYS", "*") + command("RANDOMKEY")))
                .isEqualTo(":1\r\n*1\r\n$1\r\nb\r\n$1\r\nb\r\n");
        assertThat(send(command("FLUSHALL"))).isEqualTo("+OK\r\n");
        assertThat(calls).containsExactly("g2 read", "g2 read", "g2 read", "g2 write of session 1");
        assertThat(send(command("DBSIZE"))).isEqualTo(":0\r\n");
        group3.leader = N1;
        assertThat(send(command("DBSIZE"))).as("group 3 was not flushed").isEqualTo(":2\r\n");
        group3.leader = N2;
        group2.leader = N3; // leading nothing: an empty master's answers
        assertThat(send(command("DBSIZE") + command("KEYS", "*") + command("RANDOMKEY") + command("FLUSHDB")))
                .isEqualTo(":0\r\n*0\r\n$-1\r\n+OK\r\n");
    }

    @Test
    void keylessCommandsNoGroupCanAnswerAloneAreRefusedAndLocalOnesAnswered() {
        assertThat(send(command("SCAN", "0"))).startsWith("-ERR 'scan' names no key");
        assertThat(send(command("MULTI") + command("DBSIZE") + command("EXEC"))).startsWith("+OK\r\n-ERR 'dbsize'"
                + " runs in every group this node leads").endsWith("-EXECABORT Transaction discarded because of"
                + " previous errors.\r\n");
        assertThat(send(command("PING"))).isEqualTo("+PONG\r\n");
        assertThat(send(command("CLUSTER", "KEYSLOT", "a"))).isEqualTo(":15495\r\n");
        assertThat(send(command("CLUSTER", "INFO"))).contains("cluster_state:ok");
        assertThat(calls).isEmpty();
    }

    @Test
    void afterReadonlyAReplicaHereServesReadsOfItsGroupWhateverItsRoleAndStillRedirectsWrites() {
        group3.leader = N1;
        assertThat(send(command("SET", "a", "1"))).isEqualTo("+OK\r\n");
        group3.leader = N2;
        assertThat(send(command("GET", "a"))).isEqualTo("-MOVED 15495 127.0.0.1:7002\r\n");
        calls.clear();
        assertThat(send(command("READONLY") + command("GET", "a") + command("SET", "a", "2")))
                .isEqualTo("+OK\r\n$1\r\n1\r\n-MOVED 15495 127.0.0.1:7002\r\n");
        assertThat(calls).containsExactly("g3 read"); // through the group's backend: a read index from its leader
        assertThat(send(command("READWRITE") + command("GET", "a")))
                .isEqualTo("+OK\r\n-MOVED 15495 127.0.0.1:7002\r\n");
    }

    @Test
    void aForwardedRequestReachesTheGroupItNames() {
        byte[] register = EntryCodec.encode(new KvEntry.Register(0));
        String payload = new String(register, StandardCharsets.ISO_8859_1);
        channel.writeInbound(Unpooled.wrappedBuffer(("*3\r\n$13\r\nCAUCUS.SUBMIT\r\n$" + register.length + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1), register, "\r\n$1\r\n3\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(send("")).startsWith("$"); // the session's id, for the forwarding node to hand on
        assertThat(calls).containsExactly("g3 forwarded write");
        assertThat(send(command("CAUCUS.SUBMIT", payload, "9"))).startsWith("-NOTLEADER group 9 has no replica");
    }

    @Test
    void aMapChangeForwardedByAnotherNodeReachesTheMetadataGroupUnchecked() {
        assertThat(send(command("CAUCUS.SUBMIT", "x", "1"))).as("a router serving no metadata requests")
                .startsWith("-NOTLEADER group 1 has no replica");
        KvBackend metadataBackend = new KvBackend() {
            private long index = 1;

            @Override
            public CompletableFuture<byte[]> submit(byte[] command) {
                return submitHere(command);
            }

            @Override
            public CompletableFuture<byte[]> read(byte[] query) {
                return readHere(query);
            }

            @Override
            public CompletableFuture<byte[]> submitHere(byte[] command) {
                calls.add("metadata forwarded write");
                return CompletableFuture.completedFuture(metadata.apply(++index, command));
            }

            @Override
            public CompletableFuture<byte[]> readHere(byte[] query) {
                calls.add("metadata forwarded read");
                return CompletableFuture.completedFuture(metadata.query(query));
            }

            @Override
            public NodeStatus status() {
                throw new UnsupportedOperationException();
            }
        };
        ShardRouter withMetadata = new ShardRouter(N1, metadata, new FakeNode("n1"), metadataBackend, Map.of(),
                Map.of());
        EmbeddedChannel other = new EmbeddedChannel();
        RespCodec.addServerTo(other.pipeline());
        other.pipeline().addLast(new RespHandler(withMetadata, new KvMetrics(), Acl.open(), ClientLimits.DEFAULTS));
        SlotMap map = metadata.current();
        SlotMap next = map.startReplicaMove(2, N1, NodeId.of("n4"));
        byte[] install = SlotMapStateMachine.install(map.epoch(), next);
        other.writeInbound(Unpooled.wrappedBuffer(("*3\r\n$13\r\nCAUCUS.SUBMIT\r\n$" + install.length + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1), install, "\r\n$1\r\n1\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(RespTestChannel.exchange(other, new byte[0])).as("installed: an empty result")
                .isEqualTo("$0\r\n\r\n");
        assertThat(metadata.current()).isEqualTo(next);
        assertThat(RespTestChannel.exchange(other, command("CAUCUS.READ", "", "1").getBytes(StandardCharsets.UTF_8)))
                .startsWith("$" + next.encode().length + "\r\n");
        assertThat(calls).containsExactly("metadata forwarded write", "metadata forwarded read");
        assertThat(RespTestChannel.exchange(other, command("CAUCUS.SUBMIT", "x", "2").getBytes(StandardCharsets.UTF_8)))
                .as("a data group's entries are still checked").startsWith("-ERR malformed entry");
    }

    @Test
    void aKeyTheSourceNoLongerHoldsIsAskedOfTheTargetWhichServesItAfterAsking() {
        SlotMap map = metadata.current();
        metadata.apply(2, SlotMapStateMachine.install(map.epoch(), map.startMigration(SlotRange.single(3300), 3)));
        group2.submit(EntryCodec.encode(new KvEntry.Move(0, new MoveStep.Migrate(SlotRange.single(3300), 3))));
        group3.submit(EntryCodec.encode(new KvEntry.Move(0, new MoveStep.Import(SlotRange.single(3300), 2))));

        // "b" (slot 3300) is not in group 2: its answer names group 3, whose leader's address the client gets.
        assertThat(send(command("GET", "b"))).isEqualTo("-ASK 3300 127.0.0.1:7002\r\n");
        assertThat(send(command("ASKING") + command("SET", "b", "1"))).isEqualTo("+OK\r\n-ASK 3300 127.0.0.1:7002\r\n");
        group3.leader = N1;
        calls.clear();
        assertThat(send(command("ASKING") + command("SET", "b", "1") + command("GET", "b")))
                .isEqualTo("+OK\r\n+OK\r\n-ASK 3300 127.0.0.1:7001\r\n"); // ASKING holds for one command only
        assertThat(calls).containsExactly("g3 register", "g3 write of session 2", "g2 read"); // the import was 1
        assertThat(send(command("ASKING") + command("GET", "b"))).isEqualTo("+OK\r\n$1\r\n1\r\n");
        // ASKING before MULTI holds for the whole transaction, as in redis-server.
        assertThat(send(command("ASKING") + command("MULTI") + command("INCR", "b") + command("GET", "b")
                + command("EXEC"))).isEqualTo("+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:2\r\n$1\r\n2\r\n");
    }

    /**
     * This node's map is two moves behind: slot 3300 went from group 2 to group 3, and is moving back into group 2,
     * but the map here still gives it to group 2 and records no move. A command without ASKING reaches group 2, which
     * sends it to the source, group 3 (only the source knows whether it still holds the key): {@code -MOVED}, never
     * {@code -ASK}, or the client's next command would pass the source's check with ASKING.
     */
    @Test
    void aTargetReachedByAStaleMapWithoutAskingSendsTheClientToTheSource() {
        group2.submit(EntryCodec.encode(new KvEntry.Move(0, new MoveStep.Import(SlotRange.single(3300), 3))));
        calls.clear();
        assertThat(send(command("SET", "b", "1") + command("GET", "b")))
                .isEqualTo("-MOVED 3300 127.0.0.1:7002\r\n-MOVED 3300 127.0.0.1:7002\r\n");
        assertThat(calls).containsExactly("g2 register", "g2 write of session 2", "g2 read");
        assertThat(send(command("ASKING") + command("SET", "b", "1") + command("ASKING") + command("GET", "b")))
                .isEqualTo("+OK\r\n+OK\r\n+OK\r\n$1\r\n1\r\n"); // as the source's ASK sends it: served

        // A map that records the move back (3 to 2) still answers MOVED for group 2's refusal naming group 3.
        SlotMap map = metadata.current();
        SlotMap movedOut = map.startMigration(SlotRange.single(3300), 3);
        SlotMap movedBack = movedOut.finishMigration(SlotRange.single(3300)).startMigration(SlotRange.single(3300), 2);
        metadata.apply(2, SlotMapStateMachine.install(map.epoch(), movedBack));
        assertThat(router.redirect(new Reply.Error(ErrorCodes.MOVEDGROUP, "3300 3"), 2).join().line())
                .isEqualTo("MOVED 3300 127.0.0.1:7002");
        int readsBefore = metadataNode.reads;
        assertThat(router.redirect(new Reply.Error(ErrorCodes.MOVEDGROUP, "3300 2"), 3).join().line())
                .isEqualTo("ASK 3300 127.0.0.1:7001"); // from the source that handed over to 2, while the move lasts
        assertThat(metadataNode.reads).as("confirmed with the metadata group").isEqualTo(readsBefore + 1);
        // The same answer from a group that is not the move's source (a map behind sent the command there): MOVED.
        assertThat(router.redirect(new Reply.Error(ErrorCodes.MOVEDGROUP, "3300 2"), 1).join().line())
                .isEqualTo("MOVED 3300 127.0.0.1:7001");
    }

    /**
     * This node's map records slot 3300 moving from group 3 to group 2, but the metadata group has moved on: that
     * move finished and the slot is moving out of group 2 again. Group 3's MOVED naming group 2 (it handed the slot
     * over, a move ago) must stay MOVED: an ASK is only right while the move it speaks of lasts. (In the simulator's
     * seed 9033, with a third group, the slot was moving back into the target from a group that still held the key,
     * and the ASK had the target serve it as absent.)
     */
    @Test
    void aMovedFromAnOldSourceStaysMovedOnceTheMetadataGroupSaysItsMoveIsOver() {
        SlotMap map = metadata.current();
        SlotMap moving = map.startMigration(SlotRange.single(3300), 3).finishMigration(SlotRange.single(3300))
                .startMigration(SlotRange.single(3300), 2);
        metadata.apply(2, SlotMapStateMachine.install(map.epoch(), moving));
        SlotMap movedOn = moving.finishMigration(SlotRange.single(3300)).startMigration(SlotRange.single(3300), 3);
        metadataNode.readAnswer = query -> movedOn.encode();

        assertThat(router.redirect(new Reply.Error(ErrorCodes.MOVEDGROUP, "3300 2"), 3).join().line())
                .isEqualTo("MOVED 3300 127.0.0.1:7001");
        metadataNode.scriptedReadFailures.add(() -> new IllegalStateException("no leader"));
        metadataNode.readAnswer = metadata::query;
        assertThat(router.redirect(new Reply.Error(ErrorCodes.MOVEDGROUP, "3300 2"), 3).join().line())
                .as("unconfirmed: MOVED, which is always safe").isEqualTo("MOVED 3300 127.0.0.1:7001");
        assertThat(router.redirect(new Reply.Error(ErrorCodes.MOVEDGROUP, "3300 2"), 3).join().line())
                .isEqualTo("ASK 3300 127.0.0.1:7001");
    }

    /**
     * This node's map still gives slot 3300 to group 2, led by n2; n2's map (applied first) gives it to group 3, led
     * here. Answering MOVED to n2 would send the client back and forth until this node's map caught up, and a client's
     * redirections run out: this node's replica of group 2 has handed the slot over, so it routes to group 3.
     */
    @Test
    void aNodeWhoseMapLagsTheEndOfAMoveRoutesByItsReplicasHandOver() {
        group2.submit(EntryCodec.encode(new KvEntry.Move(0, new MoveStep.Migrate(SlotRange.single(3300), 3))));
        group2.submit(EntryCodec.encode(new KvEntry.Move(0, new MoveStep.Handover(SlotRange.single(3300), 3))));
        group2.leader = N2;
        group3.leader = N1;
        calls.clear();
        assertThat(send(command("SET", "b", "1") + command("GET", "b"))).isEqualTo("+OK\r\n$1\r\n1\r\n");
        assertThat(calls).containsExactly("g3 register", "g3 write of session 1", "g3 read");
        assertThat(send(command("GET", "c"))).isEqualTo("-MOVED 7365 127.0.0.1:7002\r\n"); // not handed over: as before
    }

    @Test
    void aSlotHandedOverIsMovedToItsNewGroupOnceTheMapSaysSo() {
        SlotMap map = metadata.current();
        SlotMap migrating = map.startMigration(SlotRange.single(3300), 3);
        metadata.apply(2, SlotMapStateMachine.install(map.epoch(), migrating));
        group2.submit(EntryCodec.encode(new KvEntry.Move(0, new MoveStep.Migrate(SlotRange.single(3300), 3))));
        group2.submit(EntryCodec.encode(new KvEntry.Move(0, new MoveStep.Handover(SlotRange.single(3300), 3))));
        // The map still records the move: ASK, so the target takes the client without its own map's say-so.
        assertThat(send(command("SET", "b", "1"))).isEqualTo("-ASK 3300 127.0.0.1:7002\r\n");
        metadata.apply(3, SlotMapStateMachine.install(migrating.epoch(),
                migrating.finishMigration(SlotRange.single(3300))));
        assertThat(send(command("SET", "b", "1"))).isEqualTo("-MOVED 3300 127.0.0.1:7002\r\n");
    }

    @Test
    void askingIsRefusedWithoutClusterSupportAsRedisRefusesIt() {
        EmbeddedChannel plain = new EmbeddedChannel();
        RespCodec.addServerTo(plain.pipeline());
        plain.pipeline().addLast(new RespHandler(backend("single", group2), new KvMetrics()));
        assertThat(RespTestChannel.exchange(plain, command("ASKING").getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("-ERR This instance has cluster support disabled\r\n");
    }
}

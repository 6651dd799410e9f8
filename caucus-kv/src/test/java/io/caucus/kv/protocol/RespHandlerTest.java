package io.caucus.kv.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeStatus;
import io.caucus.kv.FakeNode;
import io.caucus.kv.cluster.KvBackend;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.server.NoLeaderException;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** RESP in, RESP out, through the real codec pipeline on an embedded channel. */
class RespHandlerTest {

    private final FakeNode node = new FakeNode("n1");
    private Function<byte[], CompletableFuture<byte[]>> submit = node::submit;
    private Function<byte[], CompletableFuture<byte[]>> read = node::read;
    private final List<String> calls = new ArrayList<>();

    private final KvBackend backend = new KvBackend() {
        @Override
        public CompletableFuture<byte[]> submit(byte[] command) {
            calls.add("submit " + describe(EntryCodec.decodeEntry(command)));
            return submit.apply(command);
        }

        @Override
        public CompletableFuture<byte[]> read(byte[] query) {
            calls.add("read");
            return read.apply(query);
        }

        @Override
        public CompletableFuture<byte[]> submitHere(byte[] command) {
            calls.add("submitHere");
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

    private static String describe(KvEntry entry) {
        return switch (entry) {
            case KvEntry.Register ignored -> "Register";
            case KvEntry.SessionCommand command -> command.body() instanceof KvEntry.Exec ? "Exec" : "SessionCommand";
            case KvEntry.Sweep ignored -> "Sweep";
            case KvEntry.Move ignored -> "Move";
        };
    }

    private final KvMetrics metrics = new KvMetrics();
    private final EmbeddedChannel channel = newChannel();

    private EmbeddedChannel newChannel() {
        EmbeddedChannel embedded = new EmbeddedChannel();
        RespCodec.addServerTo(embedded.pipeline());
        embedded.pipeline().addLast(new RespHandler(backend, metrics));
        return embedded;
    }

    private static String command(String... words) {
        return RespTestChannel.command(words);
    }

    private String send(String raw) {
        return RespTestChannel.exchange(channel, raw.getBytes(StandardCharsets.UTF_8));
    }

    private String send(byte[] raw) {
        return RespTestChannel.exchange(channel, raw);
    }

    private String output() {
        return RespTestChannel.drain(channel);
    }

    /** Session writes fail with {@code failure}; session registrations still succeed. */
    private void failWritesWith(RuntimeException failure) {
        submit = command -> EntryCodec.decodeEntry(command) instanceof KvEntry.SessionCommand
                ? CompletableFuture.failedFuture(failure) : node.submit(command);
    }

    @Test
    void answersPipelinedCommandsInOrder() {
        String replies = send(command("PING") + command("SET", "k", "v") + command("GET", "k")
                + command("INCR", "n") + command("INCRBY", "n", "41") + command("APPEND", "k", "w")
                + command("STRLEN", "k") + command("EXISTS", "k", "zz") + command("MSET", "a", "1", "b", "2")
                + command("MGET", "a", "zz", "b") + command("DEL", "a", "b") + command("DBSIZE")
                + command("CAS", "k", "vw", "new") + command("CAS", "k", "vw", "x") + command("GET", "k")
                + command("DECR", "n") + command("ECHO", "hi") + command("GET", "missing"));
        assertThat(replies).isEqualTo("+PONG\r\n+OK\r\n$1\r\nv\r\n:1\r\n:42\r\n:2\r\n:2\r\n:1\r\n+OK\r\n"
                + "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n:2\r\n:2\r\n:1\r\n:0\r\n$3\r\nnew\r\n:41\r\n$2\r\nhi\r\n$-1\r\n");
    }

    @Test
    void opensOneSessionPerConnectionAndNumbersItsWrites() {
        send(command("SET", "a", "1") + command("SET", "b", "2") + command("INCR", "c"));
        assertThat(calls).containsExactly("submit Register", "submit SessionCommand", "submit SessionCommand",
                "submit SessionCommand");
        assertThat(node.stateMachine.sessionCount()).isEqualTo(1);
    }

    @Test
    void longCommandsWork() {
        String[] mset = new String[41];
        mset[0] = "MSET";
        for (int i = 1; i < mset.length; i += 2) {
            mset[i] = "k" + i;
            mset[i + 1] = "v" + i;
        }
        assertThat(send(command(mset) + command("GET", "k39") + command("DBSIZE")))
                .isEqualTo("+OK\r\n$3\r\nv39\r\n:20\r\n");
    }

    @Test
    void inlineCommandsWork() {
        assertThat(send("PING\r\n")).isEqualTo("+PONG\r\n");
        assertThat(send("\r\n")).isEmpty();
        assertThat(send("SET  k  v\r\n")).isEqualTo("+OK\r\n");
    }

    @Test
    void errorsUseTheDocumentedCodes() {
        assertThat(send(command("GET"))).isEqualTo("-ERR wrong number of arguments for 'get' command\r\n");
        assertThat(send(command("NOPE", "x"))).startsWith("-ERR unknown command 'NOPE'");
        assertThat(send(command("SET", "s", "abc") + command("INCR", "s")))
                .isEqualTo("+OK\r\n-ERR value is not an integer or out of range\r\n");

        failWritesWith(new NoLeaderException("election in progress"));
        assertThat(send(command("SET", "k", "v"))).startsWith("-NOLEADER ").contains("not applied");
        failWritesWith(new OutcomeUnknownException("timed out"));
        assertThat(send(command("SET", "k", "v"))).startsWith("-UNKNOWN ").contains("may or may not");
        failWritesWith(new OverloadedException("queue full"));
        assertThat(send(command("SET", "k", "v"))).startsWith("-OVERLOADED ");
        read = query -> CompletableFuture.failedFuture(new NoLeaderException("x"));
        assertThat(send(command("GET", "k"))).startsWith("-NOLEADER ");
    }

    @Test
    void aFailedSessionRegistrationFailsOnlyTheWaitingWriteAsNotApplied() {
        submit = command -> CompletableFuture.failedFuture(new OutcomeUnknownException("leader lost"));
        assertThat(send(command("SET", "k", "v"))).startsWith("-NOLEADER could not open a client session");
        submit = node::submit;
        assertThat(send(command("SET", "k", "v") + command("GET", "k"))).isEqualTo("+OK\r\n$1\r\nv\r\n");
    }

    @Test
    void afterAWriteFailsForGoodTheNextWriteOpensANewSession() {
        send(command("SET", "a", "1"));
        failWritesWith(new NoLeaderException("election"));
        assertThat(send(command("SET", "b", "2"))).startsWith("-NOLEADER");
        submit = node::submit;
        assertThat(send(command("SET", "c", "3") + command("GET", "c"))).isEqualTo("+OK\r\n$1\r\n3\r\n");
        assertThat(calls).containsExactly("submit Register", "submit SessionCommand", "submit SessionCommand",
                "submit Register", "submit SessionCommand", "read");
        assertThat(node.stateMachine.sessionCount()).isEqualTo(2);
    }

    @Test
    void aReadWaitsForTheConnectionsEarlierWrites() {
        CompletableFuture<byte[]> pendingWrite = new CompletableFuture<>();
        send(command("SET", "warmup", "1")); // opens the session
        calls.clear();
        submit = command -> pendingWrite;
        assertThat(send(command("SET", "k", "v") + command("GET", "k") + command("PING"))).isEmpty();
        assertThat(calls).containsExactly("submit SessionCommand"); // the read has not started
        byte[] result = node.stateMachine.apply(1000, EntryCodec.encode(new KvEntry.SessionCommand(0, 1, 2,
                new KvEntry.Call(List.of("SET".getBytes(StandardCharsets.UTF_8), "k".getBytes(StandardCharsets.UTF_8),
                        "v".getBytes(StandardCharsets.UTF_8))))));
        pendingWrite.complete(result);
        channel.runPendingTasks();
        assertThat(output()).isEqualTo("+OK\r\n$1\r\nv\r\n+PONG\r\n");
        assertThat(calls).containsExactly("submit SessionCommand", "read");
    }

    @Test
    void harmlessAnswersForClientProbes() {
        assertThat(send(command("CONFIG", "GET", "save"))).isEqualTo("*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
        assertThat(send(command("COMMAND", "DOCS"))).isEqualTo("*0\r\n");
        assertThat(send(command("COMMAND", "COUNT"))).matches(":\\d+\r\n");
        assertThat(send(command("COMMAND", "INFO", "get"))).isEqualTo(
                "*1\r\n*6\r\n$3\r\nget\r\n:2\r\n*1\r\n+readonly\r\n:1\r\n:1\r\n:1\r\n");
        assertThat(send(command("HELLO", "3"))).startsWith("-NOPROTO ");
        assertThat(send(command("CLIENT", "SETINFO", "lib-name", "jedis"))).isEqualTo("+OK\r\n");
        assertThat(send(command("SELECT", "0"))).isEqualTo("+OK\r\n");
        String info = send(command("INFO"));
        assertThat(info).contains("# Raft\r\nrole:leader\r\nterm:1\r\nleader:n1\r\n").contains("members:n1");
    }

    @Test
    void clusterKeyslotIsAnsweredHereAsRedisAnswersIt() {
        assertThat(send(command("CLUSTER", "KEYSLOT", "{user1000}.following"))).isEqualTo(":3443\r\n");
        assertThat(send(command("CLUSTER", "KEYSLOT")))
                .isEqualTo("-ERR wrong number of arguments for 'cluster|keyslot' command\r\n");
        // A one-group node is no Redis Cluster: the views answer as redis-server does with cluster-enabled no.
        assertThat(send(command("CLUSTER", "NODES"))).isEqualTo("-ERR This instance has cluster support disabled\r\n");
        assertThat(send(command("CLUSTER", "FOO"))).isEqualTo("-ERR unknown subcommand 'FOO'. Try CLUSTER HELP.\r\n");
        assertThat(send(command("READONLY"))).isEqualTo("-ERR This instance has cluster support disabled\r\n");
        assertThat(calls).isEmpty();
        // Queued inside MULTI and answered in EXEC's reply, as redis-server does.
        assertThat(send(command("MULTI") + command("CLUSTER", "KEYSLOT", "a") + command("EXEC")))
                .isEqualTo("+OK\r\n+QUEUED\r\n*1\r\n:15495\r\n");
    }

    @Test
    void forwardedCommandsRunHereAndAnswerWithRawResults() {
        byte[] register = EntryCodec.encode(new KvEntry.Register(0));
        String reply = send("*2\r\n$13\r\nCAUCUS.SUBMIT\r\n$" + register.length + "\r\n"
                + new String(register, StandardCharsets.ISO_8859_1) + "\r\n");
        assertThat(calls).containsExactly("submitHere");
        assertThat(reply).startsWith("$");
    }

    @Test
    void aMalformedForwardedEntryIsRefusedBeforeItIsProposed() {
        byte[] sequenceZero = {1, 2, 2, 0, 1, 1, (byte) 0xc4, 0}; // well-formed, but no entry has sequence 0
        String reply = send(("*2\r\n$13\r\nCAUCUS.SUBMIT\r\n$" + sequenceZero.length + "\r\n"
                + new String(sequenceZero, StandardCharsets.ISO_8859_1) + "\r\n" + command("CAUCUS.SUBMIT", "junk")
                + command("CAUCUS.READ", "junk")).getBytes(StandardCharsets.ISO_8859_1));

        assertThat(reply).isEqualTo("-ERR malformed entry in CAUCUS.SUBMIT (invalid entry: sequence numbers "
                + "start at 1, got 0 at byte 8 of 8); not applied\r\n"
                + "-ERR malformed entry in CAUCUS.SUBMIT (unsupported entry format version 106 at byte 1 of 4); not "
                + "applied\r\n"
                + "-ERR malformed read in CAUCUS.READ (unsupported query format version 106 at byte 1 of 4); not "
                + "applied\r\n");
        assertThat(calls).isEmpty();
        assertThat(metrics.limitHits("malformed_forwarded")).isEqualTo(3);
        assertThat(send(command("SET", "k", "v") + command("GET", "k"))).isEqualTo("+OK\r\n$1\r\nv\r\n");
    }

    @Test
    void aTransactionQueuesThenAppliesAsOneEntry() {
        assertThat(send(command("MULTI") + command("SET", "k", "1") + command("INCR", "k") + command("GET", "k")
                + command("EXEC"))).isEqualTo("+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n"
                + "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
        assertThat(calls).containsExactly("submit Register", "submit Exec");
    }

    @Test
    void transactionErrorsFollowRedis() {
        assertThat(send(command("EXEC"))).isEqualTo("-ERR EXEC without MULTI\r\n");
        assertThat(send(command("DISCARD"))).isEqualTo("-ERR DISCARD without MULTI\r\n");
        // A wrong arity while queueing fails the EXEC; a runtime error inside it does not stop the others.
        assertThat(send(command("MULTI") + command("MULTI") + command("WATCH", "k") + command("GET")
                + command("SET", "k", "v") + command("EXEC"))).isEqualTo("+OK\r\n-ERR MULTI calls can not be nested\r\n"
                + "-ERR WATCH inside MULTI is not allowed\r\n-ERR wrong number of arguments for 'get' command\r\n"
                + "+QUEUED\r\n-EXECABORT Transaction discarded because of previous errors.\r\n");
        assertThat(send(command("GET", "k"))).isEqualTo("$-1\r\n");
        assertThat(send(command("MULTI") + command("SET", "k", "abc") + command("INCR", "k") + command("GET", "k")
                + command("EXEC"))).endsWith("*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n"
                + "$3\r\nabc\r\n");
        assertThat(send(command("MULTI") + command("SET", "k", "x") + command("DISCARD") + command("GET", "k")))
                .isEqualTo("+OK\r\n+QUEUED\r\n+OK\r\n$3\r\nabc\r\n");
    }

    @Test
    void execFailsWithANullArrayIfAWatchedKeyChangedAfterTheWatch() {
        EmbeddedChannel other = newChannel();
        assertThat(send(command("SET", "k", "1") + command("WATCH", "k"))).isEqualTo("+OK\r\n+OK\r\n");
        other.writeInbound(Unpooled.copiedBuffer(command("SET", "k", "2"), StandardCharsets.UTF_8));
        other.runPendingTasks();
        assertThat(send(command("MULTI") + command("SET", "k", "3") + command("EXEC") + command("GET", "k")))
                .isEqualTo("+OK\r\n+QUEUED\r\n*-1\r\n$1\r\n2\r\n");
        // EXEC ended the watch: the next transaction applies.
        assertThat(send(command("MULTI") + command("SET", "k", "4") + command("EXEC")))
                .isEqualTo("+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n");
        // A key watched and not changed lets EXEC apply; UNWATCH forgets.
        assertThat(send(command("WATCH", "k") + command("MULTI") + command("GET", "k") + command("EXEC")))
                .isEqualTo("+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n$1\r\n4\r\n");
        send(command("WATCH", "k") + command("UNWATCH"));
        other.writeInbound(Unpooled.copiedBuffer(command("SET", "k", "5"), StandardCharsets.UTF_8));
        other.runPendingTasks();
        assertThat(send(command("MULTI") + command("GET", "k") + command("EXEC")))
                .isEqualTo("+OK\r\n+QUEUED\r\n*1\r\n$1\r\n5\r\n");
    }

    @Test
    void quitAnswersOkThenCloses() {
        assertThat(send(command("QUIT") + command("PING"))).isEqualTo("+OK\r\n");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void countsRequestsForMetrics() {
        send(command("SET", "k", "v") + command("GET", "k") + command("GET"));
        assertThat(metrics.requestCount("GET")).isEqualTo(2);
        String text = metrics.render(node.status());
        assertThat(text).contains("caucus_requests_total{command=\"SET\"} 1")
                .contains("caucus_request_errors_total{command=\"GET\",code=\"ERR\"} 1")
                .contains("caucus_request_duration_seconds_count{kind=\"write\"} 1")
                .contains("caucus_role{role=\"leader\"} 1");
    }

    @Test
    void aDeepPipelineStopsReadingUntilHalfIsAnsweredThenCarriesOn() {
        KvMetrics counted = new KvMetrics();
        EmbeddedChannel small = new EmbeddedChannel();
        RespCodec.addServerTo(small.pipeline());
        small.pipeline().addLast(new RespHandler(backend, counted, Acl.open(),
                new io.caucus.kv.config.ClientLimits(1 << 20, 1 << 20, (1 << 20) + 4096, 8, 10, 0, 0, 10, 1 << 20)));
        List<CompletableFuture<byte[]>> reads = new ArrayList<>();
        read = query -> {
            CompletableFuture<byte[]> waiting = new CompletableFuture<>();
            reads.add(waiting);
            return waiting.thenCompose(ignored -> node.read(query));
        };
        StringBuilder pipeline = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            pipeline.append(command("GET", "k"));
        }
        small.writeInbound(Unpooled.copiedBuffer(pipeline, StandardCharsets.UTF_8));
        assertThat(small.config().isAutoRead()).isFalse(); // 8 unanswered: the connection is not read
        assertThat(counted.limitHits("pipeline")).isEqualTo(1);
        for (int i = 0; i < 5; i++) {
            reads.get(i).complete(null);
        }
        small.runPendingTasks();
        assertThat(small.config().isAutoRead()).isTrue(); // 3 left, under half
        reads.forEach(future -> future.complete(null));
        small.runPendingTasks();
        int replies = 0;
        for (Object out; (out = small.readOutbound()) != null; ) {
            replies += ((ByteBuf) out).toString(StandardCharsets.UTF_8).split("\\$-1").length - 1;
            ((ByteBuf) out).release();
        }
        assertThat(replies).isEqualTo(8);
    }
}

package io.caucus.kv.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.command.Reply;
import io.caucus.kv.slots.SlotRange;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import io.caucus.kv.state.MoveStep;
import io.caucus.server.NoLeaderException;
import io.caucus.server.OutcomeUnknownException;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where a group's requests go from a node with no replica of it, and the honesty of the final error: a real {@link
 * LeaderForwarder} against replicas scripted at the RESP level (each answers {@code CAUCUS.SUBMIT}/{@code CAUCUS.READ}
 * as a real node's client port would: the encoded answer, or an error line).
 */
class RemoteGroupBackendTest {

    private static final long GROUP = 5;
    private static final byte[] ANSWER = EntryCodec.encode(Reply.OK);
    /** A fenced move step: its mover term (7) must reach the group as sent. */
    private static final byte[] STEP = EntryCodec.encode(new KvEntry.Move(0,
            new MoveStep.Import(SlotRange.of(0, 99), 2), 7));
    private static final byte[] SCAN = EntryCodec.encode(new KvQuery.MoveScan(0, SlotRange.of(0, 99), 0, 10));
    /** What a replica does with a request: an answer in RESP, or null to close the connection without one. */
    private static final String CLOSE = null;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final NioEventLoopGroup loop = new NioEventLoopGroup(1);
    private final LeaderForwarder forwarder = new LeaderForwarder(loop);
    private final List<ScriptedReplica> replicas = new ArrayList<>();
    private final Map<NodeId, InetSocketAddress> addresses = new HashMap<>();

    @AfterEach
    void stop() throws IOException {
        forwarder.close();
        for (ScriptedReplica replica : replicas) {
            replica.close();
        }
        scheduler.shutdownNow();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    private ScriptedReplica replica(String id, Function<List<byte[]>, String> script) throws IOException {
        ScriptedReplica replica = new ScriptedReplica(script);
        replicas.add(replica);
        addresses.put(NodeId.of(id), new InetSocketAddress("127.0.0.1", replica.port()));
        return replica;
    }

    /** A node listed in the map that nothing answers for. */
    private void unreachable(String id) throws IOException {
        addresses.put(NodeId.of(id), new InetSocketAddress("127.0.0.1", LoopbackPorts.reserve(1).getFirst()));
    }

    private RemoteGroupBackend backend(Duration timeout, String... replicaIds) {
        List<NodeId> ids = java.util.Arrays.stream(replicaIds).map(NodeId::of).toList();
        return new RemoteGroupBackend(GROUP, () -> ids, id -> Optional.ofNullable(addresses.get(id)), forwarder,
                scheduler, timeout);
    }

    private static String bulk(byte[] value) {
        return "$" + value.length + "\r\n" + new String(value, StandardCharsets.ISO_8859_1) + "\r\n";
    }

    @Test
    void aReplicaNamingTheLeaderSendsTheStepThereUnchangedAndLaterRequestsGoStraightThere() throws Exception {
        ScriptedReplica follower = replica("n1", request -> "-NOTLEADER n2 127.0.0.1:1 this node is not the leader;"
                + " not applied\r\n");
        ScriptedReplica leader = replica("n2", request -> bulk(ANSWER));
        ScriptedReplica other = replica("n3", request -> "-NOLEADER no leader is known (election); not applied\r\n");
        RemoteGroupBackend backend = backend(Duration.ofSeconds(5), "n1", "n3", "n2");

        assertThat(backend.submit(STEP).get(5, TimeUnit.SECONDS)).isEqualTo(ANSWER);
        assertThat(backend.read(SCAN).get(5, TimeUnit.SECONDS)).isEqualTo(ANSWER);

        assertThat(follower.received()).hasSize(1);
        assertThat(other.received()).as("passed over: n1 named the leader").isEmpty();
        List<List<byte[]>> led = leader.received();
        assertThat(led).hasSize(2);
        assertThat(new String(led.get(0).get(0), StandardCharsets.US_ASCII)).isEqualTo("CAUCUS.SUBMIT");
        assertThat(led.get(0).get(1)).isEqualTo(STEP);
        assertThat(((KvEntry.Move) EntryCodec.decodeEntry(led.get(0).get(1))).mover()).isEqualTo(7);
        assertThat(new String(led.get(0).get(2), StandardCharsets.US_ASCII)).isEqualTo(Long.toString(GROUP));
        assertThat(new String(led.get(1).get(0), StandardCharsets.US_ASCII)).isEqualTo("CAUCUS.READ");
        assertThat(led.get(1).get(1)).isEqualTo(SCAN);
    }

    @Test
    void anUnreachableReplicaIsLeftForTheNextInTheMapsOrder() throws Exception {
        unreachable("n1");
        ScriptedReplica reachable = replica("n2", request -> bulk(ANSWER));
        assertThat(backend(Duration.ofSeconds(5), "n1", "n2").submit(STEP).get(5, TimeUnit.SECONDS))
                .isEqualTo(ANSWER);
        assertThat(reachable.received()).hasSize(1);
    }

    /** A node sent a group it does not replicate answers NOTLEADER naming no leader: the next replica is tried. */
    @Test
    void aNotLeaderNamingNoReplicaOfTheGroupIsNotFollowed() throws Exception {
        replica("n1", request -> "-NOTLEADER group 5 has no replica on this node; not applied\r\n");
        ScriptedReplica replicaOfTheGroup = replica("n2", request -> bulk(ANSWER));
        assertThat(backend(Duration.ofSeconds(5), "n1", "n2").submit(STEP).get(5, TimeUnit.SECONDS))
                .isEqualTo(ANSWER);
        assertThat(replicaOfTheGroup.received()).hasSize(1);
    }

    @Test
    void aWriteWhoseConnectionClosedAfterSendingEndsUnknownEvenIfLaterAttemptsWereNotApplied() throws Exception {
        List<String> answers = new CopyOnWriteArrayList<>();
        replica("n1", request -> answers.isEmpty() && answers.add("closed") ? CLOSE
                : "-NOLEADER no leader is known (election); not applied, retry\r\n");
        assertThatThrownBy(() -> backend(Duration.ofMillis(400), "n1").submit(STEP).get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(OutcomeUnknownException.class);
    }

    @Test
    void aWriteNoReplicaTookEndsNotApplied() throws Exception {
        replica("n1", request -> "-NOLEADER no leader is known (election); not applied, retry\r\n");
        unreachable("n2");
        assertThatThrownBy(() -> backend(Duration.ofMillis(400), "n1", "n2").submit(STEP).get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(NoLeaderException.class);
    }

    @Test
    void aReadWhoseConnectionClosedIsRetriedAndEndsNotApplied() throws Exception {
        ScriptedReplica closing = replica("n1", request -> CLOSE);
        assertThatThrownBy(() -> backend(Duration.ofMillis(400), "n1").read(SCAN).get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(NoLeaderException.class);
        assertThat(closing.received().size()).as("retried").isGreaterThan(1);
    }

    @Test
    void aStepTheReplicaRefusesAsMalformedIsNotRetried() throws Exception {
        ScriptedReplica refusing = replica("n1", request -> "-ERR malformed entry in CAUCUS.SUBMIT (bad tag); not "
                + "applied\r\n");
        assertThatThrownBy(() -> backend(Duration.ofSeconds(5), "n1").submit(STEP).get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ForwardingRefusedException.class);
        assertThat(refusing.received()).hasSize(1);
    }

    @Test
    void aGroupTheMapListsNoReplicaOfIsReportedNotApplied() {
        assertThatThrownBy(() -> backend(Duration.ofMillis(200)).submit(STEP).get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(NoLeaderException.class).hasMessageContaining("group 5 has no replicas");
    }

    /** A node's client port reduced to a script: reads RESP arrays of bulk strings, answers each as told. */
    private static final class ScriptedReplica implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final Function<List<byte[]>, String> script;
        private final List<List<byte[]>> received = new CopyOnWriteArrayList<>();
        private final List<Socket> connections = new CopyOnWriteArrayList<>();

        ScriptedReplica(Function<List<byte[]>, String> script) throws IOException {
            this.script = script;
            Thread.ofVirtual().start(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        List<List<byte[]>> received() {
            return received;
        }

        private void accept() {
            try {
                while (true) {
                    Socket socket = server.accept();
                    connections.add(socket);
                    Thread.ofVirtual().start(() -> serve(socket));
                }
            } catch (IOException closed) {
                // the test is over
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                InputStream in = new BufferedInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                while (true) {
                    List<byte[]> request = readArray(in);
                    received.add(request);
                    String answer = script.apply(request);
                    if (answer == null) {
                        return;
                    }
                    out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (IOException closed) {
                // the forwarder or the test closed the connection
            }
        }

        private static List<byte[]> readArray(InputStream in) throws IOException {
            int count = Integer.parseInt(line(in, '*'));
            List<byte[]> words = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] word = in.readNBytes(Integer.parseInt(line(in, '$')));
                in.readNBytes(2); // CRLF
                words.add(word);
            }
            return words;
        }

        /** The rest of a line that must start with {@code type}. */
        private static String line(InputStream in, char type) throws IOException {
            if (in.read() != type) {
                throw new IOException("not a RESP array of bulk strings");
            }
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\r'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("closed");
                }
                text.write(b);
            }
            in.read(); // LF
            return text.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : connections) {
                socket.close();
            }
        }
    }
}

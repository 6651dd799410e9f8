package io.caucus.bench.peers.ratis;

import io.caucus.bench.cluster.LoadTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The Ratis cluster through Ratis's own client: each benchmark client has its own {@link RaftClient} (its own
 * gRPC connection), which finds the leader and follows it; writes are {@code io().send}, reads
 * {@code io().sendReadOnly} (linearizable, see {@link RatisBench}).
 */
final class RatisTarget implements LoadTarget {

    /** How long opening waits for the first write to commit: the group elects its leader meanwhile. */
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);

    private final RaftGroup group;

    RatisTarget(List<String> endpoints) throws Exception {
        this.group = RatisBench.group(endpoints);
        try (Connection probe = connect()) {
            awaitFirstWrite(probe);
        }
    }

    private static void awaitFirstWrite(Connection probe) throws Exception {
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (true) {
            try {
                probe.write("00000000".getBytes(), new byte[] {'x'});
                return;
            } catch (IOException | IllegalStateException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the Ratis group committed no write within " + READY_WITHIN, e);
                }
            }
        }
    }

    @Override
    public Connection connect() {
        RaftClient client = RaftClient.newBuilder().setProperties(RatisBench.properties()).setRaftGroup(group).build();
        return new Connection() {
            @Override
            public void write(byte[] key, byte[] value) throws IOException {
                check(client.io().send(Message.valueOf(ByteString.copyFrom(key).concat(ByteString.copyFrom(value)))));
            }

            @Override
            public void read(byte[] key) throws IOException {
                check(client.io().sendReadOnly(Message.valueOf(ByteString.copyFrom(key))));
            }

            @Override
            public void close() {
                try {
                    client.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    private static void check(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            throw new IllegalStateException("Ratis answered " + reply);
        }
    }

    @Override
    public void close() {
    }
}

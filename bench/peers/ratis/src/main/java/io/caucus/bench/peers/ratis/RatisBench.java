package io.caucus.bench.peers.ratis;

import io.caucus.bench.cluster.ClusterBench;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;

/**
 * A 3-node replicated map on Apache Ratis, for bench/cluster/run.sh. Two commands:
 * <pre>
 * server --id 1|2|3 --peers HOST:PORT,HOST:PORT,HOST:PORT --dir DIRECTORY
 * load   ARGS OF bench/cluster's run command, one --endpoint HOST:PORT per peer in the same order
 * </pre>
 * {@code server} runs node {@code id} (its gRPC port is its own entry in {@code --peers}) with Ratis's
 * defaults for the log: every append is flushed with fdatasync before the leader counts it
 * ({@code raft.server.log.unsafe-flush.enabled} and {@code async-flush.enabled} stay false), batched as the
 * log worker drains its queue ({@code raft.server.log.force.sync.num} 128). Reads are linearizable
 * ({@code raft.server.read.option LINEARIZABLE}: the leader confirms its leadership with a ReadIndex round
 * before answering), like Caucus's reads. {@code load} drives the cluster with bench/cluster's phases through
 * Ratis's own blocking client ({@link RatisTarget}).
 */
public final class RatisBench {

    /** Every run forms the same group: the servers and the load generator agree on it without a message. */
    static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(UUID.fromString("ca0c05be-0000-4000-8000-000000000001"));

    private RatisBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            fail("usage: RatisBench server --id N --peers H:P,H:P,H:P --dir DIR | load ARGS...");
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        switch (args[0]) {
            case "server" -> serve(rest);
            case "load" -> ClusterBench.run(rest, RatisTarget::new);
            default -> fail("unknown command '" + args[0] + "': expected server or load");
        }
    }

    /** The group of the peers n1, n2, ... at the given addresses, in order. */
    static RaftGroup group(List<String> addresses) {
        List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < addresses.size(); i++) {
            peers.add(RaftPeer.newBuilder().setId("n" + (i + 1)).setAddress(addresses.get(i)).build());
        }
        return RaftGroup.valueOf(GROUP_ID, peers);
    }

    private static void serve(List<String> args) throws Exception {
        if (args.size() != 6 || !args.get(0).equals("--id") || !args.get(2).equals("--peers")
                || !args.get(4).equals("--dir")) {
            fail("usage: RatisBench server --id N --peers H:P,H:P,H:P --dir DIR");
        }
        int id = Integer.parseInt(args.get(1));
        List<String> addresses = List.of(args.get(3).split(","));
        if (id < 1 || id > addresses.size()) {
            fail("--id must be between 1 and the number of --peers, got " + id);
        }
        String own = addresses.get(id - 1);
        RaftProperties properties = properties();
        RaftServerConfigKeys.setStorageDir(properties, List.of(Path.of(args.get(5)).toFile()));
        RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        int port = Integer.parseInt(own.substring(own.lastIndexOf(':') + 1));
        if (netty()) {
            NettyConfigKeys.Server.setPort(properties, port);
        } else {
            GrpcConfigKeys.Server.setPort(properties, port);
        }
        RaftGroup group = group(addresses);
        RaftServer server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf("n" + id))
                .setGroup(group)
                .setProperties(properties)
                .setStateMachine(new MapStateMachine())
                .setOption(RaftStorage.StartupOption.FORMAT)
                .build();
        server.start();
        System.out.println("ratis node n" + id + " serving on " + own);
        new CountDownLatch(1).await(); // until the script stops the process
    }

    /** RATIS_RPC=netty runs servers and clients on Ratis's Netty transport; else gRPC, its default. */
    static boolean netty() {
        String rpc = System.getenv().getOrDefault("RATIS_RPC", "grpc");
        if (!rpc.equals("grpc") && !rpc.equals("netty")) {
            fail("RATIS_RPC must be grpc or netty, got " + rpc);
        }
        return rpc.equals("netty");
    }

    /** Ratis's defaults but the transport, the same for servers and clients. */
    static RaftProperties properties() {
        RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, netty() ? SupportedRpcType.NETTY : SupportedRpcType.GRPC);
        return properties;
    }

    static void fail(String message) {
        System.err.println("ratis-bench: " + message);
        System.exit(2);
    }
}

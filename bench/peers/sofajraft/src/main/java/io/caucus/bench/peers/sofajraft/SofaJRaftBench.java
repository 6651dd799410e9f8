package io.caucus.bench.peers.sofajraft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.rpc.RpcServer;
import io.caucus.bench.cluster.ClusterBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A 3-node replicated map on SOFAJRaft, for bench/cluster/run.sh. Two commands:
 * <pre>
 * server --id 1|2|3 --peers HOST:PORT,HOST:PORT,HOST:PORT --dir DIRECTORY
 * load   ARGS OF bench/cluster's run command, one --endpoint HOST:PORT per peer
 * </pre>
 * {@code server} runs node {@code id} (listening on its own entry in {@code --peers}) with SOFAJRaft's
 * defaults: its RocksDB log storage writes every batch with sync on ({@code RaftOptions.sync} true), tasks
 * batched by the node's disruptor ({@code applyBatch} 32) and the log manager (up to
 * {@code maxAppendBufferSize} 256 KiB per flush). Writes and reads arrive as RPCs of the benchmark's own
 * ({@link Requests}) on the node's RPC server, the way SOFAJRaft's examples serve clients; reads are
 * linearizable through {@code Node.readIndex} (ReadIndex, {@code ReadOnlySafe}). {@code load} drives the
 * cluster with bench/cluster's phases through SOFAJRaft's client side ({@link SofaJRaftTarget}).
 */
public final class SofaJRaftBench {

    static final String GROUP = "caucus-bench";

    private SofaJRaftBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            fail("usage: SofaJRaftBench server --id N --peers H:P,H:P,H:P --dir DIR | load ARGS...");
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        switch (args[0]) {
            case "server" -> serve(rest);
            case "load" -> load(rest);
            default -> fail("unknown command '" + args[0] + "': expected server or load");
        }
    }

    /** Exits when done or failed: SOFABolt's client threads are not daemons and would keep the JVM alive. */
    private static void load(List<String> args) {
        try {
            ClusterBench.run(args, SofaJRaftTarget::new);
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void serve(List<String> args) throws Exception {
        if (args.size() != 6 || !args.get(0).equals("--id") || !args.get(2).equals("--peers")
                || !args.get(4).equals("--dir")) {
            fail("usage: SofaJRaftBench server --id N --peers H:P,H:P,H:P --dir DIR");
        }
        int id = Integer.parseInt(args.get(1));
        Configuration peers = configuration(args.get(3));
        if (id < 1 || id > peers.size()) {
            fail("--id must be between 1 and the number of --peers, got " + id);
        }
        PeerId self = peers.getPeers().get(id - 1);
        Path dir = Path.of(args.get(5));
        Files.createDirectories(dir);
        MapStateMachine map = new MapStateMachine();
        NodeOptions options = new NodeOptions();
        options.setFsm(map);
        options.setInitialConf(peers);
        options.setLogUri(dir.resolve("log").toString());
        options.setRaftMetaUri(dir.resolve("meta").toString());
        RpcServer rpcServer = RaftRpcServerFactory.createRaftRpcServer(self.getEndpoint());
        RaftGroupService service = new RaftGroupService(GROUP, self, options, rpcServer);
        Requests.register(rpcServer, service, map);
        Node node = service.start();
        System.out.println("sofajraft node " + node.getNodeId() + " serving on " + self.getEndpoint());
        new CountDownLatch(1).await(); // until the script stops the process
    }

    static Configuration configuration(String peers) {
        Configuration configuration = new Configuration();
        if (!configuration.parse(peers)) {
            fail("--peers must be HOST:PORT,HOST:PORT,..., got '" + peers + "'");
        }
        return configuration;
    }

    static void fail(String message) {
        System.err.println("sofajraft-bench: " + message);
        System.exit(2);
    }
}

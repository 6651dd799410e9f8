package io.caucus.bench.peers.sofajraft;

import com.alipay.sofa.jraft.RouteTable;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.option.CliOptions;
import com.alipay.sofa.jraft.rpc.impl.cli.CliClientServiceImpl;
import io.caucus.bench.cluster.LoadTarget;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The SOFAJRaft cluster through SOFAJRaft's client side: the route table finds the leader, and each request
 * is a synchronous RPC to it over the shared SOFABolt client (one connection, multiplexed, as SOFAJRaft's
 * examples and RheaKV's client use it). A failed request makes its client ask for the leader again.
 */
final class SofaJRaftTarget implements LoadTarget {

    private static final Duration READY_WITHIN = Duration.ofSeconds(60);
    private static final int TIMEOUT_MILLIS = 10_000;

    private final CliClientServiceImpl cli = new CliClientServiceImpl();
    private volatile PeerId leader;
    /** Why the last leader look-up failed, for the error when none succeeds in time. */
    private volatile String lastFailure = "no answer yet";

    SofaJRaftTarget(List<String> endpoints) throws Exception {
        cli.init(new CliOptions());
        RouteTable.getInstance().updateConfiguration(SofaJRaftBench.GROUP,
                SofaJRaftBench.configuration(String.join(",", endpoints)));
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (!refreshLeader()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the SOFAJRaft group elected no leader within " + READY_WITHIN
                        + ": " + lastFailure);
            }
            Thread.sleep(200); // the election is under way: ask again shortly
        }
    }

    private boolean refreshLeader() throws InterruptedException {
        try {
            Status status = RouteTable.getInstance().refreshLeader(cli, SofaJRaftBench.GROUP, TIMEOUT_MILLIS);
            if (!status.isOk()) {
                lastFailure = status.toString();
                return false;
            }
        } catch (TimeoutException e) {
            lastFailure = e.toString();
            return false;
        }
        leader = RouteTable.getInstance().selectLeader(SofaJRaftBench.GROUP);
        return leader != null;
    }

    @Override
    public Connection connect() {
        return new Connection() {
            @Override
            public void write(byte[] key, byte[] value) throws Exception {
                Requests.Write write = new Requests.Write();
                write.key = key;
                write.value = value;
                call(write);
            }

            @Override
            public void read(byte[] key) throws Exception {
                Requests.Read read = new Requests.Read();
                read.key = key;
                call(read);
            }

            @Override
            public void close() {
            }
        };
    }

    private void call(Object request) throws Exception {
        Requests.Reply reply = (Requests.Reply) cli.getRpcClient().invokeSync(leader.getEndpoint(), request,
                TIMEOUT_MILLIS);
        if (!reply.ok) {
            refreshLeader();
            throw new IllegalStateException("SOFAJRaft answered " + reply.error);
        }
    }

    @Override
    public void close() {
        cli.shutdown();
    }
}

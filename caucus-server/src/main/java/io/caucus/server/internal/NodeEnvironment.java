package io.caucus.server.internal;

import java.util.Objects;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * What a node runtime takes from the world around it: its clock, its network to peers (with the executor its
 * turns and timers run on), the workers everything else runs on (applier, completions, snapshot taking and
 * streaming), and the randomness of its election timeouts. Its disk is the {@link LogStore} it is started on
 * ({@link DurableLogStore} takes its cleanup worker from the same {@link #workers()}). Production: {@link #production()}; a simulator
 * passes virtual time, a simulated network, workers it runs itself, and a seeded random.
 *
 * @param clock   read for deadlines and timers' bookkeeping; must agree with the network's executor's timers
 * @param network opens the node's {@link PeerNetwork}
 * @param workers starts the runtime's {@link Worker}s
 * @param random  draws the core's randomized election timeouts (Raft paper §5.2)
 */
public record NodeEnvironment(RuntimeClock clock, PeerNetwork.Factory network, Worker.Factory workers,
                              RandomGenerator random) {

    public NodeEnvironment {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(workers, "workers");
        Objects.requireNonNull(random, "random");
    }

    /** The system clock, the Netty peer transport, a thread per worker, and a random seeded from the clock. */
    public static NodeEnvironment production() {
        return new NodeEnvironment(RuntimeClock.SYSTEM, NodeRuntime::nettyNetwork, Worker::thread,
                new SplittableRandom(System.nanoTime()));
    }
}

package io.caucus.sim;

import java.util.random.RandomGenerator;

/**
 * How the simulated network misbehaves, all in virtual microseconds and probabilities in [0, 1].
 *
 * @param minDelayMicros         the least one-way delay of a message
 * @param maxDelayMicros         the greatest one-way delay (delays are uniform in between, so messages
 *                               sent close together already arrive out of order)
 * @param lossProbability        a message vanishes
 * @param duplicateProbability   a message is delivered twice (with independent delays)
 * @param reorderProbability     a message is held back by up to ten extra maximum delays
 */
public record NetworkProfile(long minDelayMicros, long maxDelayMicros, double lossProbability,
                             double duplicateProbability, double reorderProbability) {

    /** No loss, no duplication, small delays: the network of the scripted scenarios. */
    public static final NetworkProfile RELIABLE = new NetworkProfile(100, 400, 0, 0, 0);

    /**
     * The random-fault runs' network, drawn per seed: delays of 50 µs to 0.25-2.2 ms, up to 8% loss, 5% duplication
     * and 8% reordering. The draws are made in this order, so a seed's run does not change with where it is drawn.
     */
    public static NetworkProfile drawn(RandomGenerator random) {
        return new NetworkProfile(50, 200 + random.nextLong(2000), random.nextDouble() * 0.08,
                random.nextDouble() * 0.05, random.nextDouble() * 0.08);
    }

    public NetworkProfile {
        if (minDelayMicros < 1 || maxDelayMicros < minDelayMicros) {
            throw new IllegalArgumentException("need 1 <= minDelayMicros <= maxDelayMicros, got "
                    + minDelayMicros + ", " + maxDelayMicros);
        }
        requireProbability("lossProbability", lossProbability);
        requireProbability("duplicateProbability", duplicateProbability);
        requireProbability("reorderProbability", reorderProbability);
    }

    public NetworkProfile withLoss(double probability) {
        return new NetworkProfile(minDelayMicros, maxDelayMicros, probability, duplicateProbability,
                reorderProbability);
    }

    public NetworkProfile withDuplication(double probability) {
        return new NetworkProfile(minDelayMicros, maxDelayMicros, lossProbability, probability,
                reorderProbability);
    }

    public NetworkProfile withReordering(double probability) {
        return new NetworkProfile(minDelayMicros, maxDelayMicros, lossProbability, duplicateProbability,
                probability);
    }

    public NetworkProfile withDelays(long minMicros, long maxMicros) {
        return new NetworkProfile(minMicros, maxMicros, lossProbability, duplicateProbability, reorderProbability);
    }

    private static void requireProbability(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be within [0, 1], got " + p);
        }
    }
}

package io.caucus.kv.command.script;

/**
 * Redis's {@code math.random}: the rand48 generator of its {@code rand48.c} (48-bit linear congruential,
 * a = 0x5DEECE66D, c = 0xB), so that after {@code math.randomseed(n)} a script draws exactly what redis-server
 * draws. Before any randomseed the state comes from the log ({@code CommandContext.nextRandom()}): every replica
 * draws the same numbers, and each script run other numbers than the one before (as in Redis 7.0, whose
 * generator is not reset between scripts).
 */
final class Rand48 {

    private static final long MASK = (1L << 48) - 1;
    private static final long MULTIPLIER = 0x5DEECE66DL;
    private static final long ADDEND = 0xBL;
    /** REDIS_LRAND48_MAX: INT32_MAX. */
    static final int MAX = Integer.MAX_VALUE;

    private long state;

    Rand48(long seed) {
        this.state = seed & MASK;
    }

    /** redisSrand48: the high 32 bits are the seed, the low 16 bits 0x330E. */
    void seed(int seed) {
        state = (((long) seed & 0xFFFFFFFFL) << 16 | 0x330E) & MASK;
    }

    /** redisLrand48: the next 31-bit number. */
    int next() {
        state = (state * MULTIPLIER + ADDEND) & MASK;
        return (int) (state >>> 17);
    }

    /** The r of redis_math_random: (lrand48() % MAX) / MAX, in [0, 1). */
    double nextDouble() {
        return (double) (next() % MAX) / (double) MAX;
    }
}

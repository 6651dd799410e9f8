package io.caucus.kv.slots;

import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.RedisNumbers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The key arguments of a command, as Redis 7.0 finds them ({@code COMMAND GETKEYS} is the reference, compared in
 * {@code SlotsRedisIT}): what cluster routing hashes, and what an ACL's key patterns are checked against.
 *
 * <p>Most commands place their keys at fixed positions ({@link CommandSpec#firstKey()}, {@code lastKey},
 * {@code keyStep}, as COMMAND reports them). The others say how many keys follow in a <em>numkeys</em> argument
 * (EVAL, LMPOP, SINTERCARD, ZUNIONSTORE...; {@link #COUNTED}). A numkeys that does not name keys within the
 * arguments names no keys: the command then refuses itself wherever it runs, so where it is routed does not
 * matter. Which numkeys Redis accepts is reproduced exactly: first as its key specs read it (strictly, as
 * {@code string2ll}, cast to a C int), and when that fails, as its older per-command functions do ({@code atoi},
 * so {@code "1x"} and {@code "+1"} count as 1).
 */
public final class CommandKeys {

    /**
     * A command whose keys are counted: numkeys at {@code countAt}, that many keys from {@code countAt + 1}, and a
     * destination key at {@code storeAt} first if it is not 0.
     */
    record Counted(int storeAt, int countAt) {
    }

    /** Every Redis 7.0 command whose keys are given by a count, whether Caucus serves it yet or not. */
    static final Map<String, Counted> COUNTED = Map.ofEntries(
            Map.entry("EVAL", new Counted(0, 2)), Map.entry("EVALSHA", new Counted(0, 2)),
            Map.entry("EVAL_RO", new Counted(0, 2)), Map.entry("EVALSHA_RO", new Counted(0, 2)),
            Map.entry("FCALL", new Counted(0, 2)), Map.entry("FCALL_RO", new Counted(0, 2)),
            Map.entry("LMPOP", new Counted(0, 1)), Map.entry("ZMPOP", new Counted(0, 1)),
            Map.entry("BLMPOP", new Counted(0, 2)), Map.entry("BZMPOP", new Counted(0, 2)),
            Map.entry("SINTERCARD", new Counted(0, 1)), Map.entry("ZINTERCARD", new Counted(0, 1)),
            Map.entry("ZUNION", new Counted(0, 1)), Map.entry("ZINTER", new Counted(0, 1)),
            Map.entry("ZDIFF", new Counted(0, 1)),
            Map.entry("ZUNIONSTORE", new Counted(1, 2)), Map.entry("ZINTERSTORE", new Counted(1, 2)),
            Map.entry("ZDIFFSTORE", new Counted(1, 2)));

    private CommandKeys() {
    }

    /**
     * The keys of {@code args} (the whole argument vector, the name included) run by {@code spec}: for a command
     * with subcommands, pass the subcommand's spec ({@code CommandTable.resolve}). Empty for a keyless command.
     * The arrays are {@code args}' own, not copies.
     */
    public static List<byte[]> of(CommandSpec spec, List<byte[]> args) {
        Counted counted = COUNTED.get(spec.name());
        if (counted != null) {
            return counted(counted, args);
        }
        if (spec.firstKey() <= 0) {
            return List.of();
        }
        int first = spec.firstKey();
        int last = spec.lastKey() < 0 ? args.size() + spec.lastKey() : spec.lastKey();
        if (last >= args.size() || last < first) {
            return List.of(); // too few arguments: the command refuses itself (Redis finds no keys either)
        }
        int step = Math.max(1, spec.keyStep());
        List<byte[]> keys = new ArrayList<>((last - first) / step + 1);
        for (int i = first; i <= last; i += step) {
            keys.add(args.get(i));
        }
        return Collections.unmodifiableList(keys);
    }

    private static List<byte[]> counted(Counted counted, List<byte[]> args) {
        int countAt = counted.countAt();
        if (countAt >= args.size()) {
            return List.of();
        }
        int first = countAt + 1;
        byte[] count = args.get(countAt);
        if (RedisNumbers.isLong(count)) { // Redis's key specs: string2ll, then the count cast to an int
            long numkeys = RedisNumbers.parseLong(count);
            int asInt = (int) numkeys;
            if (numkeys >= 0 && asInt >= 1 && (long) first + asInt - 1 < args.size()) {
                List<byte[]> keys = new ArrayList<>(asInt + 1);
                if (counted.storeAt() > 0) {
                    keys.add(args.get(counted.storeAt()));
                }
                keys.addAll(args.subList(first, first + asInt));
                return Collections.unmodifiableList(keys);
            }
        }
        // Redis's fallback, its per-command key functions: atoi, and the destination key last.
        int numkeys = atoi(count);
        if (numkeys < 1 || numkeys > args.size() - first) {
            return List.of();
        }
        List<byte[]> keys = new ArrayList<>(args.subList(first, first + numkeys));
        if (counted.storeAt() > 0) {
            keys.add(args.get(counted.storeAt()));
        }
        return Collections.unmodifiableList(keys);
    }

    /**
     * C's {@code atoi} as glibc has it, {@code (int) strtol(s, NULL, 10)}: leading white space, an optional sign,
     * then as many digits as there are (a value beyond a long is clamped), the result cut to 32 bits; 0 if no digit.
     */
    static int atoi(byte[] text) {
        int i = 0;
        while (i < text.length && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r'))) {
            i++;
        }
        boolean negative = false;
        if (i < text.length && (text[i] == '+' || text[i] == '-')) {
            negative = text[i] == '-';
            i++;
        }
        long value = 0; // accumulated negatively: the negative range is the larger one
        boolean overflow = false;
        for (; i < text.length && text[i] >= '0' && text[i] <= '9'; i++) {
            int digit = text[i] - '0';
            if (overflow || value < (Long.MIN_VALUE + digit) / 10) {
                overflow = true;
            } else {
                value = value * 10 - digit;
            }
        }
        long result;
        if (overflow) {
            result = negative ? Long.MIN_VALUE : Long.MAX_VALUE;
        } else if (negative) {
            result = value;
        } else {
            result = value == Long.MIN_VALUE ? Long.MAX_VALUE : -value;
        }
        return (int) result;
    }
}

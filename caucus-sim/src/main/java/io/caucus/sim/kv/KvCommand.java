package io.caucus.sim.kv;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A write to the simulated key-value store, as carried in a log entry's payload. The client id and operation
 * number make every command's payload unique, so that two entries with equal payloads are the same command.
 *
 * <p>Encoding: fields separated by '|', each written as {@code <length>:<chars>}, or {@code -} for null.
 *
 * @param expected for CAS: the value required for the swap ({@code null} = key absent)
 */
public record KvCommand(int clientId, long operationId, Kind kind, String key, String value, String expected) {

    public enum Kind { PUT, DELETE, APPEND, CAS }

    public KvCommand {
        if (kind == null || key == null) {
            throw new IllegalArgumentException("a command needs a kind and a key");
        }
    }

    public byte[] encode() {
        StringBuilder out = new StringBuilder();
        out.append(clientId).append('|').append(operationId).append('|').append(kind.name());
        for (String field : new String[] {key, value, expected}) {
            out.append('|');
            if (field == null) {
                out.append('-');
            } else {
                out.append(field.length()).append(':').append(field);
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static KvCommand decode(byte[] payload) {
        String text = new String(payload, StandardCharsets.UTF_8);
        try {
            int[] position = {0};
            int clientId = Integer.parseInt(until(text, position, '|'));
            long operationId = Long.parseLong(until(text, position, '|'));
            Kind kind = Kind.valueOf(until(text, position, '|'));
            List<String> fields = new ArrayList<>(3);
            for (int i = 0; i < 3; i++) {
                fields.add(field(text, position));
            }
            return new KvCommand(clientId, operationId, kind, fields.get(0), fields.get(1), fields.get(2));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a key-value command: '" + text + "'", e);
        }
    }

    private static String until(String text, int[] position, char separator) {
        int end = text.indexOf(separator, position[0]);
        if (end < 0) {
            throw new IllegalArgumentException("missing '" + separator + "' after offset " + position[0]);
        }
        String part = text.substring(position[0], end);
        position[0] = end + 1;
        return part;
    }

    private static String field(String text, int[] position) {
        if (text.charAt(position[0]) == '-') {
            position[0] += 2; // '-' and the separator (or the end)
            return null;
        }
        int length = Integer.parseInt(until(text, position, ':'));
        String value = text.substring(position[0], position[0] + length);
        position[0] += length + 1;
        return value;
    }
}

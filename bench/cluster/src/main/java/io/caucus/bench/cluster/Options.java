package io.caucus.bench.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} pairs; a name may repeat (e.g. {@code --endpoint}). */
record Options(Map<String, List<String>> values) {

    static Options parse(List<String> args) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i += 2) {
            String name = args.get(i);
            if (!name.startsWith("--") || i + 1 >= args.size()) {
                ClusterBench.fail("expected '--name value' pairs, got '" + name + "'"
                        + (i + 1 >= args.size() ? " without a value" : ""));
            }
            values.computeIfAbsent(name.substring(2), n -> new ArrayList<>()).add(args.get(i + 1));
        }
        return new Options(values);
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    String required(String name) {
        List<String> given = all(name);
        if (given.isEmpty()) {
            ClusterBench.fail("--" + name + " is required");
        }
        return given.getLast();
    }

    int intValue(String name, int defaultValue) {
        List<String> given = all(name);
        if (given.isEmpty()) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(given.getLast());
            if (value < 0) {
                ClusterBench.fail("--" + name + " must not be negative, got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            ClusterBench.fail("--" + name + " must be an integer, got '" + given.getLast() + "'");
            return defaultValue;
        }
    }
}

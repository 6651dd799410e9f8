package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.MemberAddresses;
import io.caucus.core.NodeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration a node's log starts from, recorded in its data directory the first time it starts and
 * read back at every later start. Why it is recorded: the log holds only the configuration entries of
 * changes, so until the first change every node must agree on the starting configuration. Taking it from the
 * address list at each start would let an operator who added a node's address to that list (before adding
 * the node) restart a server with a different idea of the voters, and two configurations without overlapping
 * majorities could each elect a leader. Once written, the file is never changed; a node that lost its data
 * must rejoin as a new member (join mode).
 */
public final class BootstrapConfiguration {

    static final String FILE_NAME = "bootstrap-configuration";
    private static final String HEADER = "# Caucus: the configuration this node's log starts from. Written once;"
            + " do not edit.";
    private static final String ADDRESS_PREFIX = "address.";
    private static final Logger LOG = LoggerFactory.getLogger(BootstrapConfiguration.class);

    private BootstrapConfiguration() {
    }

    /**
     * The recorded configuration of the node whose data lives in {@code directory}, or, on its first start,
     * {@code proposed}, which is then recorded durably (written, fsynced, renamed into place).
     *
     * @throws IllegalStateException if the recorded file is damaged (it names the file)
     */
    public static ClusterConfiguration loadOrRecord(Path directory, ClusterConfiguration proposed) {
        Path file = directory.resolve(FILE_NAME);
        try {
            if (Files.exists(file)) {
                ClusterConfiguration recorded = parse(file, Files.readAllLines(file, StandardCharsets.UTF_8));
                if (!recorded.voters().equals(proposed.voters()) || !recorded.learners().equals(proposed.learners())) {
                    LOG.info("{}: the log starts from the recorded configuration {}; the addresses given now would "
                            + "make {} (ignored: later changes are in the log)", directory, recorded, proposed);
                } else if (!recorded.addresses().equals(proposed.addresses())) {
                    LOG.info("{}: the members' addresses given now differ from the recorded ones {}; the recorded "
                            + "and the log's are used (change a member's with changeAddresses, caucus member "
                            + "change-address)", directory, recorded.addresses());
                }
                return recorded;
            }
            Files.createDirectories(directory);
            write(directory, file, proposed);
            return proposed;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or record " + file + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path directory, Path file, ClusterConfiguration configuration) throws IOException {
        StringBuilder text = new StringBuilder(HEADER).append("\nvoters=").append(join(configuration.voters()))
                .append("\nlearners=").append(join(configuration.learners())).append('\n');
        configuration.addresses().forEach((node, kinds) -> kinds.byKind().forEach((kind, address) ->
                text.append(ADDRESS_PREFIX).append(kind).append('.').append(node.value()).append('=')
                        .append(address).append('\n')));
        Path temporary = directory.resolve(FILE_NAME + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel parent = FileChannel.open(directory, StandardOpenOption.READ)) {
            parent.force(true); // the rename itself must survive a crash
        } catch (IOException e) {
            // Some file systems cannot open a directory for fsync; the rename is then as durable as they allow.
        }
    }

    static ClusterConfiguration parse(Path file, List<String> lines) {
        Set<NodeId> voters = null;
        Set<NodeId> learners = null;
        Map<NodeId, Map<String, String>> addresses = new TreeMap<>();
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("voters=")) {
                voters = ids(file, line.substring("voters=".length()));
            } else if (line.startsWith("learners=")) {
                learners = ids(file, line.substring("learners=".length()));
            } else if (line.startsWith(ADDRESS_PREFIX) && line.indexOf('=') > 0) {
                address(file, line, addresses);
            } else {
                throw new IllegalStateException(file + " is damaged: unexpected line '" + line + "'");
            }
        }
        if (voters == null || voters.isEmpty() || learners == null) {
            throw new IllegalStateException(file + " is damaged: it must hold a non-empty 'voters=' line and a "
                    + "'learners=' line");
        }
        try {
            ClusterConfiguration configuration = new ClusterConfiguration(voters, Set.of(), learners);
            for (Map.Entry<NodeId, Map<String, String>> member : addresses.entrySet()) {
                configuration = configuration.withAddresses(member.getKey(), new MemberAddresses(member.getValue()));
            }
            return configuration;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + " is damaged: " + e.getMessage(), e);
        }
    }

    /** Reads {@code address.<kind>.<id>=<address>} into {@code addresses}. */
    private static void address(Path file, String line, Map<NodeId, Map<String, String>> addresses) {
        int equals = line.indexOf('=');
        String key = line.substring(ADDRESS_PREFIX.length(), equals);
        int dot = key.indexOf('.');
        if (dot <= 0 || dot == key.length() - 1) {
            throw new IllegalStateException(file + " is damaged: expected address.<kind>.<id>=<address>, got '"
                    + line + "'");
        }
        try {
            addresses.computeIfAbsent(NodeId.of(key.substring(dot + 1)), id -> new TreeMap<>())
                    .put(key.substring(0, dot), line.substring(equals + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + " is damaged: " + e.getMessage(), e);
        }
    }

    private static Set<NodeId> ids(Path file, String list) {
        Set<NodeId> ids = new TreeSet<>();
        for (String id : list.split(",")) {
            if (!id.isBlank()) {
                try {
                    ids.add(NodeId.of(id.trim()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException(file + " is damaged: " + e.getMessage(), e);
                }
            }
        }
        return ids;
    }

    private static String join(Set<NodeId> ids) {
        return String.join(",", ids.stream().map(NodeId::value).toList());
    }
}

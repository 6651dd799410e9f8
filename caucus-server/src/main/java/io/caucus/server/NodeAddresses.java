package io.caucus.server;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * Where one member is reached, as {@link CaucusNode#addLearner} and {@link CaucusNode#changeAddresses} write it
 * into the replicated configuration: every member learns it from the log. A host name is kept as a name and
 * resolved by each member when it dials.
 *
 * @param raft   where it listens for Raft traffic from its peers (required)
 * @param client where clients reach it (for redirects; caucus-kv: its RESP port), or null
 * @param admin  where operators reach it (caucus-kv: its admin HTTP port), or null
 */
public record NodeAddresses(InetSocketAddress raft, InetSocketAddress client, InetSocketAddress admin) {

    public NodeAddresses {
        Objects.requireNonNull(raft, "raft address");
    }

    /** A member known by its Raft address alone. */
    public static NodeAddresses ofRaft(InetSocketAddress raft) {
        return new NodeAddresses(raft, null, null);
    }

    public Optional<InetSocketAddress> clientAddress() {
        return Optional.ofNullable(client);
    }

    public Optional<InetSocketAddress> adminAddress() {
        return Optional.ofNullable(admin);
    }
}

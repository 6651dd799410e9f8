package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.PeerTransport;
import io.caucus.transport.SnapshotFrame;
import io.caucus.transport.TransportMetrics;
import io.caucus.transport.TransportOptions;
import io.caucus.transport.WireProtocol;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The peer network of a host of many Raft groups (docs/multiraft.md, "Transport"): one {@link PeerTransport} for the
 * whole process, so one connection per remote process whatever the number of groups they share, every frame tagged
 * with its group (wire protocol version 4). Each group's {@link PeerNetwork} is a view of it: what the group sends
 * is tagged with its id, and what arrives for the group goes to its runtime; a message for a group this host does
 * not run is dropped and counted by the transport ({@link TransportMetrics#droppedUnknownGroup()}).
 *
 * <p>The link to a peer process is shared: it stays while the host's own peer list names the process or any group's
 * configuration does (each group adds and removes the members of its configuration, as a one-group node does). The
 * transport sends process pings on idle connections so {@link #lastHeardNanos} tells a dead process from quiet
 * groups (quiescence).
 *
 * <p>Threading: views are opened and closed by the host; sends come from node threads, inbound from the transport's
 * event loops; the group table is a concurrent map and the peer bookkeeping is guarded by this object.
 */
public final class HostNetwork implements GroupHost.GroupNetworks, AutoCloseable {

    private final PeerTransport transport;
    private final Map<Long, GroupView> groups = new ConcurrentHashMap<>();
    /** Peer processes the host was given, linked for the host's lifetime. */
    private final Set<NodeId> processes;
    /** For every other linked peer, the groups whose configuration names it. Guarded by this. */
    private final Map<NodeId, Set<Long>> namedBy = new HashMap<>();

    private HostNetwork(PeerTransport.Builder builder, Set<NodeId> processes) {
        this.transport = builder.inboundHandler(new Demultiplexer()).build();
        this.processes = Set.copyOf(processes);
    }

    /**
     * A host's network, not yet listening: {@code processes} are the other processes of the cluster (this one's own
     * entry is skipped), each linked from {@link #start()} on.
     *
     * @param pingInterval how often an idle connection carries a process ping (about a heartbeat interval)
     */
    public static HostNetwork create(NodeId self, InetSocketAddress listenAddress,
                                     Map<NodeId, InetSocketAddress> processes, TransportOptions options,
                                     Duration pingInterval) {
        PeerTransport.Builder builder = PeerTransport.builder(self)
                .threadName("caucus-host-transport-" + self)
                .listenAddress(listenAddress)
                .peers(processes)
                .options(options)
                .processPings(pingInterval);
        Set<NodeId> others = new HashSet<>(processes.keySet());
        others.remove(self);
        return new HostNetwork(builder, others);
    }

    /** Listens and dials every peer process. */
    public void start() {
        transport.start();
    }

    /** Where the host listens for peer connections (the real port when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return transport.localAddress();
    }

    /** When {@code process} was last heard from, on {@link System#nanoTime()}'s scale (see PeerTransport). */
    public long lastHeardNanos(NodeId process) {
        return transport.lastHeardNanos(process);
    }

    /** The host's transport counters: every group's traffic together. */
    public TransportMetrics metrics() {
        return transport.metrics();
    }

    /** True while the outbound connection to {@code process} is up. */
    public boolean isConnected(NodeId process) {
        return transport.isConnected(process);
    }

    @Override
    public PeerNetwork open(long group, NodeSettings settings, InboundHandler inbound, NodeExecutor executor) {
        GroupView view = new GroupView(group, inbound, executor);
        if (groups.putIfAbsent(group, view) != null) {
            throw new IllegalStateException("group " + group + " already has a network on this host");
        }
        return view;
    }

    /** Closes the transport: every connection, for every group. */
    @Override
    public void close() {
        transport.close();
    }

    private synchronized void link(long group, NodeId peer, InetSocketAddress address) {
        if (!processes.contains(peer)) {
            namedBy.computeIfAbsent(peer, id -> new HashSet<>()).add(group);
        }
        transport.addPeer(peer, address); // the same address: nothing; a new one: the process moved
    }

    private synchronized void unlink(long group, NodeId peer) {
        Set<Long> naming = namedBy.get(peer);
        if (naming == null) {
            return; // one of the host's processes: linked for good
        }
        naming.remove(group);
        if (naming.isEmpty()) {
            namedBy.remove(peer);
            transport.removePeer(peer);
        }
    }

    /** Hands what arrives to the group it is tagged with. Runs on the transport's event loops; never blocks. */
    private final class Demultiplexer implements InboundHandler {
        @Override
        public void onMessage(RaftMessage message) {
            onMessage(WireProtocol.SINGLE_GROUP, message);
        }

        @Override
        public boolean onMessage(long group, RaftMessage message) {
            GroupView view = groups.get(group);
            if (view == null || view.disconnected) {
                return false;
            }
            view.inbound.onMessage(message);
            return true;
        }

        @Override
        public boolean onSnapshotFrame(long group, SnapshotFrame frame) {
            GroupView view = groups.get(group);
            if (view == null || view.disconnected) {
                return false;
            }
            view.inbound.onSnapshotFrame(frame);
            return true;
        }
    }

    /** One group's network: the host's transport seen through the group's id. */
    private final class GroupView implements PeerNetwork {
        private final long group;
        private final InboundHandler inbound;
        private final NodeExecutor executor;
        /** The peers this group's configuration named. Guarded by HostNetwork.this. */
        private final Set<NodeId> peers = new HashSet<>();
        /** A failed or closed group: it sends nothing and is handed nothing, the host's other groups go on. */
        private volatile boolean disconnected;

        GroupView(long group, InboundHandler inbound, NodeExecutor executor) {
            this.group = group;
            this.inbound = Objects.requireNonNull(inbound, "inbound");
            this.executor = Objects.requireNonNull(executor, "executor");
        }

        @Override
        public void start() {
            // The host's transport is started by the host, once for every group.
        }

        @Override
        public NodeExecutor executor() {
            return executor;
        }

        @Override
        public void send(RaftMessage message) {
            if (!disconnected) {
                transport.send(group, message); // dropped when the peer's queue is full: counted, Raft retries
            }
        }

        @Override
        public boolean sendSnapshotFrame(SnapshotFrame frame) {
            return !disconnected && transport.sendSnapshotFrame(group, frame);
        }

        @Override
        public void addPeer(NodeId peer, InetSocketAddress address) {
            synchronized (HostNetwork.this) {
                if (!disconnected) {
                    peers.add(peer);
                    link(group, peer, address);
                }
            }
        }

        @Override
        public void removePeer(NodeId peer) {
            synchronized (HostNetwork.this) {
                if (peers.remove(peer)) {
                    unlink(group, peer);
                }
            }
        }

        @Override
        public Set<NodeId> peers() {
            synchronized (HostNetwork.this) {
                return Set.copyOf(peers);
            }
        }

        @Override
        public boolean servesFollowerReads(NodeId peer) {
            return transport.carriesFollowerReads(peer);
        }

        /** Stops this group's traffic only: the connections serve the host's other groups. */
        @Override
        public void disconnect() {
            synchronized (HostNetwork.this) {
                disconnected = true;
                for (NodeId peer : peers) {
                    unlink(group, peer);
                }
                peers.clear();
            }
        }

        @Override
        public TransportMetrics metrics() {
            return transport.metrics();
        }

        @Override
        public void close() {
            disconnect();
            groups.remove(group, this);
        }
    }
}

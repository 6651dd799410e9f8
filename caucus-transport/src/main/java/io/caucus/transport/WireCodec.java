package io.caucus.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.caucus.core.ClusterConfiguration;
import io.caucus.core.MemberAddresses;
import io.caucus.core.EntryType;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.HeartbeatResponse;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.InstallSnapshotResponse;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.ReadIndexRequest;
import io.caucus.core.message.ReadIndexResponse;
import io.caucus.core.message.RequestVote;
import io.caucus.core.message.RequestVoteResponse;
import io.caucus.core.message.TimeoutNow;
import io.caucus.transport.proto.Wire;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The one place where Raft messages map to and from their Protocol Buffers form. Every switch here is
 * exhaustive with no default: a new {@link RaftMessage} type, a new {@link EntryType} or a new case of
 * {@code Frame.body} in wire.proto breaks compilation here until it is mapped.
 *
 * <p>Decoding validates what the records validate (node ids, entry terms and indexes) and reports the field
 * that is wrong as a {@link WireFormatException}.
 */
public final class WireCodec {

    /** Bytes counted per message on top of its entries, for the outbound queue's byte bound. */
    static final int MESSAGE_OVERHEAD_BYTES = 64;

    private WireCodec() {
    }

    public static Wire.Frame toFrame(RaftMessage message) {
        return toFrame(message, WireProtocol.PROTOCOL_VERSION);
    }

    /**
     * True if protocol {@code version} carries {@code message}'s type: a peer speaking an older version would not
     * know it (the sender drops it and counts it as {@code droppedUnknownType}).
     */
    public static boolean carries(RaftMessage message, int version) {
        return version >= WireProtocol.FOLLOWER_READS_VERSION
                || !(message instanceof ReadIndexRequest || message instanceof ReadIndexResponse);
    }

    /**
     * True if protocol {@code version} can carry a message of Raft group {@code group}: group 0 (a one-group node's)
     * on every version, the others from {@link WireProtocol#GROUPS_VERSION} on.
     */
    public static boolean carriesGroup(long group, int version) {
        return group == WireProtocol.SINGLE_GROUP || version >= WireProtocol.GROUPS_VERSION;
    }

    /** The frame for {@code message} in protocol {@code version}: before version 2, without member addresses. */
    public static Wire.Frame toFrame(RaftMessage message, int version) {
        return toFrame(WireProtocol.SINGLE_GROUP, message, version);
    }

    /**
     * The frame for {@code message} of Raft group {@code group} in protocol {@code version}; the caller checked
     * {@link #carriesGroup}.
     */
    public static Wire.Frame toFrame(long group, RaftMessage message, int version) {
        Wire.Frame.Builder frame = Wire.Frame.newBuilder();
        if (group != WireProtocol.SINGLE_GROUP) {
            frame.setGroup(group);
        }
        switch (message) {
            case RequestVote m -> frame.setRequestVote(Wire.RequestVote.newBuilder()
                    .setFrom(m.from().value()).setTo(m.to().value()).setTerm(m.term())
                    .setLastLogIndex(m.lastLogIndex()).setLastLogTerm(m.lastLogTerm())
                    .setPreVote(m.preVote()).setLeadershipTransfer(m.leadershipTransfer()));
            case RequestVoteResponse m -> frame.setRequestVoteResponse(Wire.RequestVoteResponse.newBuilder()
                    .setFrom(m.from().value()).setTo(m.to().value()).setTerm(m.term())
                    .setGranted(m.granted()).setPreVote(m.preVote()));
            case AppendEntries m -> frame.setAppendEntries(appendEntries(m));
            case AppendEntriesResponse m -> frame.setAppendEntriesResponse(Wire.AppendEntriesResponse.newBuilder()
                    .setFrom(m.from().value()).setTo(m.to().value()).setTerm(m.term())
                    .setSuccess(m.success()).setMatchIndex(m.matchIndex()).setRejectedIndex(m.rejectedIndex())
                    .setConflictTerm(m.conflictTerm()).setConflictIndex(m.conflictIndex()));
            case Heartbeat m -> frame.setHeartbeat(Wire.Heartbeat.newBuilder()
                    .setFrom(m.from().value()).setTo(m.to().value()).setTerm(m.term())
                    .setCommitIndex(m.commitIndex()).setReadRound(m.readRound()).setQuiesce(m.quiesce()));
            case HeartbeatResponse m -> frame.setHeartbeatResponse(Wire.HeartbeatResponse.newBuilder()
                    .setFrom(m.from().value()).setTo(m.to().value()).setTerm(m.term())
                    .setReadRound(m.readRound()));
            case TimeoutNow m -> frame.setTimeoutNow(Wire.TimeoutNow.newBuilder()
                    .setFrom(m.from().value()).setTo(m.to().value()).setTerm(m.term()));
            case ReadIndexRequest m -> frame.setReadIndexRequest(Wire.ReadIndexRequest.newBuilder()
                    .setFrom(m.from().value()).setTo(m.to().value()).setTerm(m.term())
                    .setRequestId(m.requestId()));
            case ReadIndexResponse m -> frame.setReadIndexResponse(Wire.ReadIndexResponse.newBuilder()
                    .setFrom(m.from().value()).setTo(m.to().value()).setTerm(m.term())
                    .setRequestId(m.requestId()).setConfirmed(m.confirmed()).setReadIndex(m.readIndex()));
            case InstallSnapshot m -> frame.setInstallSnapshot(installSnapshot(m, version));
            case InstallSnapshotResponse m -> frame.setInstallSnapshotResponse(
                    Wire.InstallSnapshotResponse.newBuilder()
                            .setFrom(m.from().value()).setTo(m.to().value()).setTerm(m.term())
                            .setMatchIndex(m.matchIndex()).setAccepted(m.accepted()));
        }
        return frame.build();
    }

    /**
     * The Raft message a frame carries, or empty when the frame holds a message type this build does not know
     * (sent by a newer peer; the caller drops and counts it).
     *
     * @throws WireFormatException if the frame is a connection frame (handshake, ping) or a field holds an invalid
     *                             value
     */
    public static Optional<RaftMessage> fromFrame(Wire.Frame frame) {
        RaftMessage message = switch (frame.getBodyCase()) {
            case REQUEST_VOTE -> requestVote(frame.getRequestVote());
            case REQUEST_VOTE_RESPONSE -> requestVoteResponse(frame.getRequestVoteResponse());
            case APPEND_ENTRIES -> appendEntries(frame.getAppendEntries());
            case APPEND_ENTRIES_RESPONSE -> appendEntriesResponse(frame.getAppendEntriesResponse());
            case HEARTBEAT -> heartbeat(frame.getHeartbeat());
            case HEARTBEAT_RESPONSE -> heartbeatResponse(frame.getHeartbeatResponse());
            case TIMEOUT_NOW -> timeoutNow(frame.getTimeoutNow());
            case READ_INDEX_REQUEST -> readIndexRequest(frame.getReadIndexRequest());
            case READ_INDEX_RESPONSE -> readIndexResponse(frame.getReadIndexResponse());
            case INSTALL_SNAPSHOT -> installSnapshot(frame.getInstallSnapshot());
            case INSTALL_SNAPSHOT_RESPONSE -> installSnapshotResponse(frame.getInstallSnapshotResponse());
            case HELLO, HELLO_REPLY, PROCESS_PING -> throw new WireFormatException(
                    "handshake frame " + frame.getBodyCase() + " received after the handshake completed");
            case SNAPSHOT_CHUNK, SNAPSHOT_CHUNK_ACK -> throw new WireFormatException(
                    "snapshot frame " + frame.getBodyCase() + " is not a Raft message (see SnapshotFrames)");
            case BODY_NOT_SET -> null;
        };
        return Optional.ofNullable(message);
    }

    /**
     * The size a message counts for in the outbound queue's byte bound: its entries as the core counts them
     * ({@link LogEntry#sizeBytes()}) plus a fixed overhead. Cheap, so that send() does not encode.
     */
    public static long estimatedSizeBytes(RaftMessage message) {
        long entriesBytes = switch (message) {
            case AppendEntries m -> {
                long sum = 0;
                for (LogEntry entry : m.entries()) {
                    sum += entry.sizeBytes();
                }
                yield sum;
            }
            case RequestVote m -> 0;
            case RequestVoteResponse m -> 0;
            case AppendEntriesResponse m -> 0;
            case Heartbeat m -> 0;
            case HeartbeatResponse m -> 0;
            case TimeoutNow m -> 0;
            case ReadIndexRequest m -> 0;
            case ReadIndexResponse m -> 0;
            case InstallSnapshot m -> 0; // metadata only: the data is streamed apart
            case InstallSnapshotResponse m -> 0;
        };
        return MESSAGE_OVERHEAD_BYTES + entriesBytes;
    }

    private static Wire.AppendEntries.Builder appendEntries(AppendEntries m) {
        Wire.AppendEntries.Builder builder = Wire.AppendEntries.newBuilder()
                .setFrom(m.from().value()).setTo(m.to().value()).setTerm(m.term())
                .setPrevLogIndex(m.prevLogIndex()).setPrevLogTerm(m.prevLogTerm())
                .setLeaderCommit(m.leaderCommit());
        for (LogEntry entry : m.entries()) {
            builder.addEntries(Wire.LogEntry.newBuilder()
                    .setTerm(entry.term()).setIndex(entry.index()).setType(entryType(entry.type()))
                    // LogEntry payloads are immutable by contract, so wrapping without a copy is safe.
                    .setPayload(UnsafeByteOperations.unsafeWrap(entry.payload())));
        }
        return builder;
    }

    private static Wire.EntryType entryType(EntryType type) {
        return switch (type) {
            case COMMAND -> Wire.EntryType.ENTRY_TYPE_COMMAND;
            case NO_OP -> Wire.EntryType.ENTRY_TYPE_NO_OP;
            case CONFIGURATION -> Wire.EntryType.ENTRY_TYPE_CONFIGURATION;
        };
    }

    private static EntryType entryType(Wire.EntryType type, long index) {
        return switch (type) {
            case ENTRY_TYPE_COMMAND -> EntryType.COMMAND;
            case ENTRY_TYPE_NO_OP -> EntryType.NO_OP;
            case ENTRY_TYPE_CONFIGURATION -> EntryType.CONFIGURATION;
            case ENTRY_TYPE_UNSPECIFIED, UNRECOGNIZED -> throw new WireFormatException(
                    "log entry " + index + " has unknown entry type " + type + " (wire number "
                            + (type == Wire.EntryType.UNRECOGNIZED ? "unrecognized" : type.getNumber()) + ")");
        };
    }

    private static RequestVote requestVote(Wire.RequestVote m) {
        return new RequestVote(nodeId("RequestVote.from", m.getFrom()), nodeId("RequestVote.to", m.getTo()),
                m.getTerm(), m.getLastLogIndex(), m.getLastLogTerm(), m.getPreVote(), m.getLeadershipTransfer());
    }

    private static RequestVoteResponse requestVoteResponse(Wire.RequestVoteResponse m) {
        return new RequestVoteResponse(nodeId("RequestVoteResponse.from", m.getFrom()),
                nodeId("RequestVoteResponse.to", m.getTo()), m.getTerm(), m.getGranted(), m.getPreVote());
    }

    private static AppendEntries appendEntries(Wire.AppendEntries m) {
        List<LogEntry> entries = new ArrayList<>(m.getEntriesCount());
        for (Wire.LogEntry entry : m.getEntriesList()) {
            entries.add(logEntry(entry));
        }
        return new AppendEntries(nodeId("AppendEntries.from", m.getFrom()), nodeId("AppendEntries.to", m.getTo()),
                m.getTerm(), m.getPrevLogIndex(), m.getPrevLogTerm(), entries, m.getLeaderCommit());
    }

    private static LogEntry logEntry(Wire.LogEntry entry) {
        EntryType type = entryType(entry.getType(), entry.getIndex());
        ByteString payload = entry.getPayload();
        try {
            return new LogEntry(entry.getTerm(), entry.getIndex(), type, payload.toByteArray());
        } catch (IllegalArgumentException e) {
            throw new WireFormatException("invalid log entry in AppendEntries: " + e.getMessage(), e);
        }
    }

    private static AppendEntriesResponse appendEntriesResponse(Wire.AppendEntriesResponse m) {
        return new AppendEntriesResponse(nodeId("AppendEntriesResponse.from", m.getFrom()),
                nodeId("AppendEntriesResponse.to", m.getTo()), m.getTerm(), m.getSuccess(), m.getMatchIndex(),
                m.getRejectedIndex(), m.getConflictTerm(), m.getConflictIndex());
    }

    private static Heartbeat heartbeat(Wire.Heartbeat m) {
        return new Heartbeat(nodeId("Heartbeat.from", m.getFrom()), nodeId("Heartbeat.to", m.getTo()),
                m.getTerm(), m.getCommitIndex(), m.getReadRound(), m.getQuiesce());
    }

    private static HeartbeatResponse heartbeatResponse(Wire.HeartbeatResponse m) {
        return new HeartbeatResponse(nodeId("HeartbeatResponse.from", m.getFrom()),
                nodeId("HeartbeatResponse.to", m.getTo()), m.getTerm(), m.getReadRound());
    }

    private static TimeoutNow timeoutNow(Wire.TimeoutNow m) {
        return new TimeoutNow(nodeId("TimeoutNow.from", m.getFrom()), nodeId("TimeoutNow.to", m.getTo()),
                m.getTerm());
    }

    private static ReadIndexRequest readIndexRequest(Wire.ReadIndexRequest m) {
        return new ReadIndexRequest(nodeId("ReadIndexRequest.from", m.getFrom()),
                nodeId("ReadIndexRequest.to", m.getTo()), m.getTerm(), m.getRequestId());
    }

    private static ReadIndexResponse readIndexResponse(Wire.ReadIndexResponse m) {
        return new ReadIndexResponse(nodeId("ReadIndexResponse.from", m.getFrom()),
                nodeId("ReadIndexResponse.to", m.getTo()), m.getTerm(), m.getRequestId(), m.getConfirmed(),
                m.getReadIndex());
    }

    private static Wire.InstallSnapshot.Builder installSnapshot(InstallSnapshot m, int version) {
        SnapshotMetadata snapshot = m.snapshot();
        ClusterConfiguration configuration = snapshot.configuration();
        Wire.Configuration.Builder wireConfiguration = Wire.Configuration.newBuilder();
        configuration.voters().forEach(id -> wireConfiguration.addVoters(id.value()));
        configuration.outgoingVoters().forEach(id -> wireConfiguration.addOutgoingVoters(id.value()));
        configuration.learners().forEach(id -> wireConfiguration.addLearners(id.value()));
        if (version >= 2) {
            configuration.addresses().forEach((id, known) -> putAddresses(wireConfiguration, id, known));
        }
        return Wire.InstallSnapshot.newBuilder()
                .setFrom(m.from().value()).setTo(m.to().value()).setTerm(m.term())
                .setLastIncludedIndex(snapshot.lastIncludedIndex()).setLastIncludedTerm(snapshot.lastIncludedTerm())
                .setConfiguration(wireConfiguration);
    }

    private static InstallSnapshot installSnapshot(Wire.InstallSnapshot m) {
        NodeId from = nodeId("InstallSnapshot.from", m.getFrom());
        NodeId to = nodeId("InstallSnapshot.to", m.getTo());
        Wire.Configuration wire = m.getConfiguration();
        try {
            ClusterConfiguration configuration = new ClusterConfiguration(
                    nodeIds("InstallSnapshot.configuration.voters", wire.getVotersList()),
                    nodeIds("InstallSnapshot.configuration.outgoing_voters", wire.getOutgoingVotersList()),
                    nodeIds("InstallSnapshot.configuration.learners", wire.getLearnersList()),
                    addresses(wire));
            Set<String> addressed = new TreeSet<>(wire.getAddressesMap().keySet());
            addressed.addAll(wire.getOtherAddressesMap().keySet());
            if (configuration.addresses().size() != addressed.size()) {
                throw new WireFormatException("invalid snapshot in InstallSnapshot: an address is given for a node"
                        + " that is not a member");
            }
            SnapshotMetadata snapshot = new SnapshotMetadata(m.getLastIncludedIndex(), m.getLastIncludedTerm(),
                    configuration);
            return new InstallSnapshot(from, to, m.getTerm(), snapshot);
        } catch (IllegalArgumentException e) {
            throw new WireFormatException("invalid snapshot in InstallSnapshot: " + e.getMessage(), e);
        }
    }

    private static void putAddresses(Wire.Configuration.Builder wire, NodeId id, MemberAddresses known) {
        Map<String, String> others = new TreeMap<>(known.byKind());
        String raft = others.remove(MemberAddresses.RAFT);
        if (raft != null) {
            wire.putAddresses(id.value(), raft);
        }
        if (!others.isEmpty()) {
            wire.putOtherAddresses(id.value(), Wire.AddressKinds.newBuilder().putAllByKind(others).build());
        }
    }

    /** Each member's Raft address (field 4) and other kinds (field 5), merged. */
    private static Map<NodeId, MemberAddresses> addresses(Wire.Configuration wire) {
        Map<NodeId, Map<String, String>> byMember = new TreeMap<>();
        wire.getAddressesMap().forEach((id, address) -> byMember.computeIfAbsent(
                nodeId("InstallSnapshot.configuration.addresses", id), k -> new TreeMap<>())
                .put(MemberAddresses.RAFT, address));
        wire.getOtherAddressesMap().forEach((id, kinds) -> byMember.computeIfAbsent(
                nodeId("InstallSnapshot.configuration.other_addresses", id), k -> new TreeMap<>())
                .putAll(kinds.getByKindMap()));
        Map<NodeId, MemberAddresses> addresses = new TreeMap<>();
        byMember.forEach((id, kinds) -> addresses.put(id, new MemberAddresses(kinds)));
        return addresses;
    }

    private static Set<NodeId> nodeIds(String field, List<String> values) {
        Set<NodeId> ids = new TreeSet<>();
        for (String value : values) {
            ids.add(nodeId(field, value));
        }
        return ids;
    }

    private static InstallSnapshotResponse installSnapshotResponse(Wire.InstallSnapshotResponse m) {
        return new InstallSnapshotResponse(nodeId("InstallSnapshotResponse.from", m.getFrom()),
                nodeId("InstallSnapshotResponse.to", m.getTo()), m.getTerm(), m.getMatchIndex(), m.getAccepted());
    }

    /** Parses a node id received on the wire, naming the field when it is invalid. */
    static NodeId nodeId(String field, String value) {
        try {
            return new NodeId(value);
        } catch (IllegalArgumentException e) {
            throw new WireFormatException(field + " is not a valid node id: " + e.getMessage(), e);
        }
    }
}

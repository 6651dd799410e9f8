package io.caucus.core;

public enum Role {
    FOLLOWER,
    /** Asking for pre-votes (thesis §9.6) before it may raise its term. */
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}

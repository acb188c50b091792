/**
 * Migration 2: the requests a shard's owner makes all the time (append, renew,
 * inbox) as server-side functions, so each is one round trip (one statement,
 * its own transaction) instead of a BEGIN ... COMMIT exchange of up to eleven.
 * Each mirrors the model store's rule for its request and `store.ts`'s
 * transaction for the others: the lease row is locked first, the time read
 * after (the injected clock's when given, else `clock_timestamp()`), the epoch
 * checked, then the writes. A reply is JSON in the protocol's shape (a
 * non-finite `expiresAt` comes back as a string; the caller turns it into a
 * number).
 */
export const functionsMigration = (s: string): readonly string[] => [
  `CREATE FUNCTION ${s}.sk_lock(p_shard integer) RETURNS ${s}.leases
LANGUAGE plpgsql AS $fn$
DECLARE
  v_lease ${s}.leases%ROWTYPE;
BEGIN
  SELECT * INTO v_lease FROM ${s}.leases WHERE shard = p_shard FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO ${s}.leases (shard) VALUES (p_shard) ON CONFLICT (shard) DO NOTHING;
    SELECT * INTO v_lease FROM ${s}.leases WHERE shard = p_shard FOR UPDATE;
  END IF;
  RETURN v_lease;
END
$fn$`,
  `CREATE FUNCTION ${s}.sk_now(p_now double precision) RETURNS double precision
LANGUAGE sql VOLATILE AS $fn$
  SELECT coalesce(p_now, floor(extract(epoch FROM clock_timestamp()) * 1000)::float8)
$fn$`,
  `CREATE FUNCTION ${s}.sk_lease_json(p_shard integer, p_owner text, p_epoch bigint, p_expires double precision) RETURNS json
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT json_build_object('shard', p_shard, 'owner', p_owner, 'epoch', p_epoch, 'expiresAt', p_expires)
$fn$`,
  `CREATE FUNCTION ${s}.sk_renew(p_req json, p_now double precision) RETURNS json
LANGUAGE plpgsql AS $fn$
DECLARE
  v_shard integer := (p_req->>'shard')::integer;
  v_lease ${s}.leases%ROWTYPE;
  v_now double precision;
  v_expires double precision;
BEGIN
  v_lease := ${s}.sk_lock(v_shard);
  v_now := ${s}.sk_now(p_now);
  IF v_lease.owner IS DISTINCT FROM p_req->>'node' OR v_lease.epoch <> (p_req->>'epoch')::bigint
     OR v_lease.expires_at <= v_now THEN
    RETURN json_build_object('type', 'stale-epoch', 'now', v_now,
      'lease', ${s}.sk_lease_json(v_shard, v_lease.owner, v_lease.epoch, v_lease.expires_at));
  END IF;
  v_expires := v_now + (p_req->>'ttl')::float8;
  UPDATE ${s}.leases SET expires_at = v_expires WHERE shard = v_shard;
  RETURN json_build_object('type', 'renewed', 'now', v_now,
    'lease', ${s}.sk_lease_json(v_shard, v_lease.owner, v_lease.epoch, v_expires));
END
$fn$`,
  `CREATE FUNCTION ${s}.sk_inbox(p_req json, p_now double precision) RETURNS json
LANGUAGE plpgsql AS $fn$
DECLARE
  v_shard integer := (p_req->>'shard')::integer;
  v_lease ${s}.leases%ROWTYPE;
  v_now double precision;
  v_after bigint;
  v_count integer;
  v_entries json;
BEGIN
  v_lease := ${s}.sk_lock(v_shard);
  v_now := ${s}.sk_now(p_now);
  IF v_lease.epoch <> (p_req->>'epoch')::bigint OR v_lease.owner IS DISTINCT FROM p_req->>'node' THEN
    RETURN json_build_object('type', 'stale-epoch', 'now', v_now,
      'lease', ${s}.sk_lease_json(v_shard, v_lease.owner, v_lease.epoch, v_lease.expires_at));
  END IF;
  v_after := GREATEST((p_req->>'after')::bigint, v_lease.inbox_cursor);
  -- One page (as the model store's), withdrawn commands looked at but left out.
  WITH page AS (
    SELECT i.seq, i.command_id, i.origin, i.command, (w.command_id IS NOT NULL) AS withdrawn
    FROM ${s}.inbox i LEFT JOIN ${s}.withdrawn w ON w.shard = i.shard AND w.command_id = i.command_id
    WHERE i.shard = v_shard AND i.seq > v_after ORDER BY i.seq LIMIT 100
  )
  SELECT count(*)::integer,
         coalesce(json_agg(json_build_object('seq', seq, 'commandId', command_id, 'origin', origin, 'command', command)
                  ORDER BY seq) FILTER (WHERE NOT withdrawn), '[]'::json)
  INTO v_count, v_entries FROM page;
  UPDATE ${s}.inbox i SET claimed = true
  FROM json_array_elements(v_entries) e
  WHERE i.shard = v_shard AND i.command_id = e->>'commandId';
  RETURN json_build_object('type', 'inbox', 'now', v_now, 'entries', v_entries, 'through', v_after + v_count);
END
$fn$`,
  // The append's parts come as separate parameters, not one JSON request: the fires as arrays
  // (no JSON to parse), the log entries and checkpoint parts as JSON parsed once each, kept as
  // written. Completions (first end per fire, in log order, then cancellations) are worked out by
  // the caller from the same request.
  `CREATE FUNCTION ${s}.sk_append(
  p_shard integer, p_node text, p_epoch bigint, p_inbox_cursor bigint, p_now double precision,
  p_seqs bigint[], p_entries json,
  p_fire_ids text[], p_fire_shards integer[], p_program_ids text[], p_spawn_ids text[],
  p_scheduled double precision[], p_started double precision[], p_fire_epochs bigint[], p_fire_nodes text[],
  p_end_ids text[], p_ends text[],
  p_answer_ids text[], p_answers text[],
  p_cp_seq bigint, p_cp_epoch bigint, p_cp_at double precision, p_cp_programs json, p_cp_waiting json, p_cp_removed json
) RETURNS json
LANGUAGE plpgsql AS $fn$
DECLARE
  v_count integer := coalesce(cardinality(p_seqs), 0);
  v_lease ${s}.leases%ROWTYPE;
  v_now double precision;
  v_first bigint;
  v_batch record;
  v_existing json;
  v_previous bigint;
BEGIN
  v_lease := ${s}.sk_lock(p_shard);
  v_now := ${s}.sk_now(p_now);
  IF v_lease.epoch <> p_epoch OR v_lease.owner IS DISTINCT FROM p_node THEN
    RETURN json_build_object('type', 'stale-epoch', 'now', v_now,
      'lease', ${s}.sk_lease_json(p_shard, v_lease.owner, v_lease.epoch, v_lease.expires_at));
  END IF;
  IF v_count = 0 AND p_cp_seq IS NOT NULL AND p_cp_seq < v_lease.head THEN
    -- A late copy of a checkpoint-only batch: the log has moved on since; it changes nothing.
    RETURN json_build_object('type', 'appended', 'now', v_now, 'head', v_lease.head, 'existing', '[]'::json);
  END IF;
  v_first := CASE WHEN v_count > 0 THEN p_seqs[1] ELSE v_lease.head + 1 END;
  IF v_first <= v_lease.head THEN
    SELECT epoch, existing INTO v_batch FROM ${s}.batches WHERE shard = p_shard AND first_seq = v_first;
    IF FOUND AND v_batch.epoch = p_epoch THEN
      RETURN json_build_object('type', 'appended', 'now', v_now, 'head', v_lease.head, 'existing', v_batch.existing);
    END IF;
    RETURN json_build_object('type', 'out-of-order', 'now', v_now, 'head', v_lease.head);
  END IF;
  IF v_first <> v_lease.head + 1 OR EXISTS (
    SELECT 1 FROM unnest(p_seqs) WITH ORDINALITY AS e(seq, ord) WHERE e.seq <> v_first + e.ord - 1
  ) THEN
    RETURN json_build_object('type', 'out-of-order', 'now', v_now, 'head', v_lease.head);
  END IF;

  -- Every fire of the batch in one statement; the ones already recorded come back missing. A
  -- fire id twice in one batch: the first is recorded, the second reported.
  WITH given AS (
    SELECT f.*, row_number() OVER (PARTITION BY f.fire_id ORDER BY f.ord) AS nth
    FROM unnest(p_fire_ids, p_fire_shards, p_program_ids, p_spawn_ids, p_scheduled, p_started, p_fire_epochs, p_fire_nodes)
      WITH ORDINALITY AS f(fire_id, shard, program_id, spawn_id, scheduled_at, started_at, epoch, node, ord)
  ), inserted AS (
    INSERT INTO ${s}.fires (fire_id, shard, program_id, spawn_id, scheduled_at, started_at, epoch, node)
    SELECT fire_id, shard, program_id, spawn_id, scheduled_at, started_at, epoch, node FROM given ORDER BY ord
    ON CONFLICT (fire_id) DO NOTHING
    RETURNING fire_id
  )
  SELECT coalesce(json_agg(g.fire_id ORDER BY g.ord), '[]'::json) INTO v_existing
  FROM given g LEFT JOIN inserted i ON i.fire_id = g.fire_id AND g.nth = 1
  WHERE i.fire_id IS NULL;

  IF v_count > 0 THEN
    INSERT INTO ${s}.log_entries (shard, seq, epoch, at, command, command_id)
    SELECT p_shard, (e->>'seq')::bigint, (e->>'epoch')::bigint, (e->>'at')::float8, e->'command', e->>'commandId'
    FROM json_array_elements(p_entries) AS e;
  END IF;

  IF cardinality(p_end_ids) > 0 THEN
    UPDATE ${s}.fires AS f SET completed = e.completed
    FROM unnest(p_end_ids, p_ends) AS e(fire_id, completed)
    WHERE f.fire_id = e.fire_id AND f.completed IS NULL;
  END IF;

  IF cardinality(p_answer_ids) > 0 THEN
    INSERT INTO ${s}.answers (command_id, answer)
    SELECT a.command_id, a.answer::json FROM unnest(p_answer_ids, p_answers) WITH ORDINALITY AS a(command_id, answer, ord)
    ORDER BY a.ord
    ON CONFLICT (command_id) DO NOTHING;
  END IF;

  UPDATE ${s}.leases SET head = v_lease.head + v_count, inbox_cursor = GREATEST(inbox_cursor, p_inbox_cursor)
  WHERE shard = p_shard;
  -- A late duplicate of an old batch must not bring back an older checkpoint.
  IF p_cp_seq IS NOT NULL THEN
    SELECT seq INTO v_previous FROM ${s}.checkpoints WHERE shard = p_shard;
    IF v_previous IS NOT NULL AND v_previous <= p_cp_seq THEN
      -- Retention: what came before the previous checkpoint is never read again (an owner
      -- replays from the newest), and no append of it can still be waiting for its answer.
      DELETE FROM ${s}.log_entries WHERE shard = p_shard AND seq <= v_previous;
      DELETE FROM ${s}.batches WHERE shard = p_shard AND first_seq <= v_previous;
    END IF;
    INSERT INTO ${s}.checkpoints (shard, seq, epoch, at, programs, waiting, removed)
    VALUES (p_shard, p_cp_seq, p_cp_epoch, p_cp_at, p_cp_programs, p_cp_waiting, p_cp_removed)
    ON CONFLICT (shard) DO UPDATE SET seq = EXCLUDED.seq, epoch = EXCLUDED.epoch, at = EXCLUDED.at,
      programs = EXCLUDED.programs, waiting = EXCLUDED.waiting, removed = EXCLUDED.removed
    WHERE ${s}.checkpoints.seq <= EXCLUDED.seq;
  END IF;
  IF v_count > 0 THEN
    INSERT INTO ${s}.batches (shard, first_seq, epoch, existing) VALUES (p_shard, v_first, p_epoch, v_existing)
    ON CONFLICT (shard, first_seq) DO UPDATE SET epoch = EXCLUDED.epoch, existing = EXCLUDED.existing;
  END IF;
  RETURN json_build_object('type', 'appended', 'now', v_now, 'head', v_lease.head + v_count, 'existing', v_existing);
END
$fn$`,
];

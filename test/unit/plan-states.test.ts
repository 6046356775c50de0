import fc from 'fast-check';
import {
  FINAL_RUN_STATES,
  GATE_MOVES,
  IllegalMove,
  RUN_MOVES,
  RUN_STATES,
  SERVICE_MOVES,
  SERVICE_STATES,
  STEP_MOVES,
  STEP_STATES,
  isSettled,
  moveGate,
  moveRun,
  moveService,
  moveStep,
  type ServiceState,
} from '../../plan/states';

describe('state moves', () => {
  test('a final run state is final; any live state may end in any of them', () => {
    for (const state of FINAL_RUN_STATES) expect(RUN_MOVES[state]).toEqual([]);
    for (const state of RUN_STATES.filter((s) => !FINAL_RUN_STATES.includes(s))) {
      for (const end of FINAL_RUN_STATES) expect(RUN_MOVES[state]).toContain(end);
    }
    expect(() => moveRun({ state: 'succeeded' }, 'running')).toThrow(new IllegalMove('run', 'succeeded', 'running'));
  });

  test('every move leads to a known state, and every state is reachable from the first', () => {
    const tables = [
      [RUN_MOVES, RUN_STATES, 'running'],
      [SERVICE_MOVES, SERVICE_STATES, 'pending'],
      [STEP_MOVES, STEP_STATES, 'pending'],
      [GATE_MOVES, Object.keys(GATE_MOVES), 'waiting'],
    ] as const;
    for (const [moves, states, first] of tables) {
      const table = moves as Record<string, readonly string[]>;
      expect(Object.keys(table).sort()).toEqual([...states].sort());
      const seen = new Set<string>([first]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const from of [...seen]) for (const to of table[from] ?? []) if (!seen.has(to)) grew = seen.add(to) !== undefined;
      }
      expect([...seen].sort()).toEqual([...states].sort());
    }
  });

  test('a settled service moves on only by an operator retry or skip (failed) or by rollback (succeeded)', () => {
    for (const state of SERVICE_STATES.filter(isSettled)) {
      const onward = SERVICE_MOVES[state];
      if (state === 'failed') expect([...onward].sort()).toEqual(['pending', 'skipped']);
      else if (state === 'succeeded') expect(onward).toEqual(['rolling-back']);
      else expect(onward).toEqual([]);
    }
  });

  test('moveService applies exactly the allowed moves (and staying put)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SERVICE_STATES), fc.constantFrom(...SERVICE_STATES), (from: ServiceState, to: ServiceState) => {
        const service = { name: 'api', state: from };
        const ok = from === to || SERVICE_MOVES[from].includes(to);
        if (ok) {
          moveService(service, to);
          expect(service.state).toBe(to);
        } else {
          expect(() => moveService(service, to)).toThrow(`service api: ${from} → ${to} is not an allowed move`);
          expect(service.state).toBe(from);
        }
      }),
    );
  });

  test('a step is undone only after it succeeded; a gate is answered only while open', () => {
    expect(() => moveStep({ name: 'x', state: 'failed' }, 'undoing')).toThrow(IllegalMove);
    expect(() => moveStep({ name: 'x', state: 'pending' }, 'undone')).toThrow(IllegalMove);
    const step = { name: 'x', state: 'succeeded' as const };
    moveStep(step, 'undoing');
    expect(step.state).toBe('undoing');
    expect(() => moveGate({ id: 'wave-2', state: 'waiting' }, 'approved')).toThrow('gate wave-2: waiting → approved is not an allowed move');
  });
});

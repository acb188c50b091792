import { Coordinator as CoordinatorMachine } from "./internal/coordinator.js";
/**
 * Creates one node's coordinator. Throws a `SchedkitError` for bad options.
 * @since 0.1.0
 */
export const createCoordinator = (options) => {
  const machine = new CoordinatorMachine(options);
  return {
    dispatch: (command) => machine.dispatch(command),
    nodeId: machine.nodeId,
    shards: machine.shardCount,
    held: () => machine.held(),
    exportShard: (shard) => machine.exportShard(shard),
  };
};

const at = (spawn, index) => (index === 0 ? (spawn.inFlightFirst ?? undefined) : spawn.inFlightRest?.[index - 1]);
/** Adds a job at the end of the list (its index kept for an O(1) removal). */
export function addInFlight(spawn, job) {
  const index = spawn.inFlightCount++;
  job.inFlightIndex = index;
  if (index === 0) {
    spawn.inFlightFirst = job;
    return;
  }
  if (spawn.inFlightRest === null) spawn.inFlightRest = [];
  spawn.inFlightRest.push(job);
}
/** Takes a job out of the list in O(1): the last one fills its place. */
export function leaveInFlight(spawn, job) {
  let index = job.inFlightIndex;
  if (index < 0 || at(spawn, index) !== job) index = jobsInFlight(spawn).indexOf(job); // restored without its index
  if (index < 0) return;
  const lastIndex = --spawn.inFlightCount;
  const last = at(spawn, lastIndex);
  if (lastIndex === 0) spawn.inFlightFirst = null;
  else spawn.inFlightRest?.pop();
  if (last !== job) {
    if (index === 0) spawn.inFlightFirst = last;
    else spawn.inFlightRest[index - 1] = last;
    last.inFlightIndex = index;
  }
  job.inFlightIndex = -1;
}
/** The jobs in flight, in list order (a copy: for the paths that are not per job). */
export function jobsInFlight(spawn) {
  if (spawn.inFlightFirst === null) return [];
  const rest = spawn.inFlightRest;
  return rest === null || rest.length === 0 ? [spawn.inFlightFirst] : [spawn.inFlightFirst, ...rest];
}
/** Empties the list. */
export function clearInFlight(spawn) {
  spawn.inFlightFirst = null;
  if (spawn.inFlightRest !== null) spawn.inFlightRest.length = 0;
  spawn.inFlightCount = 0;
}

export { assertPolicy, checkPolicy } from "./checkPolicy.js";

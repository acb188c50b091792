export {
  commandTypes,
  decodeCommand,
  decodeCommandBySchema,
  isWellFormedHotCommand,
} from "./internal/commandSchema.js";

/** Narrows an effect list to one type. @since 0.1.0 */
export const effectsOf = (effects, type) => effects.filter((effect) => effect.type === type);

/**
 * A saved json template that passes its check (the sample events have no rows) and, given an
 * event with `data.rows` = EACH_BOMB_ROWS, runs four nested loops over the same 60 rows: 13
 * million iterations and 13 MB of output, stopped by the render time limit.
 */
export const EACH_BOMB = `{"bomb": "${"{{#each @root.data.rows}}".repeat(4)}ab${"{{/each}}".repeat(4)}"}`;
export const EACH_BOMB_ROWS = Array.from({ length: 60 }, (_, i) => i);

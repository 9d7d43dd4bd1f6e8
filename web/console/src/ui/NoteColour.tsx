import type { Note } from "../api/types";

const NOTE_COLOURS: Note["colour"][] = ["yellow", "green", "blue", "pink", "purple", "grey"];

/** The labelled choice of a note's colour (a new note's in the reply box, an edited note's). */
export function NoteColourSelect({ value, onChange }: { value: Note["colour"]; onChange: (colour: Note["colour"]) => void }) {
  return (
    <label>
      Note colour
      <select value={value} onChange={(e) => onChange(e.target.value as Note["colour"])}>
        {NOTE_COLOURS.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </label>
  );
}

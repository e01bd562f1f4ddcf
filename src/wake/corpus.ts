/**
 * Text for the wake-word benchmark: commands, everyday sentences, near misses, and a reading
 * text built from templates by a seeded generator, so every run speaks the same words.
 */

/** Commands that follow a wake phrase in the positive clips. */
export const COMMANDS = [
  "what time is it",
  "turn on the kitchen lights",
  "set a timer for ten minutes",
  "what is the weather tomorrow",
  "play some quiet music",
  "remind me to call my sister",
  "how far away is the moon",
  "add milk to the shopping list",
  "stop the alarm",
  "read me the news",
  "what is on my calendar today",
  "turn the volume down",
];

/** Ordinary sentences with no wake phrase, many of them like the commands above. */
export const SENTENCES = [
  "What time is it in Tokyo right now?",
  "Turn off the lights in the hallway, please.",
  "I left my keys on the table by the door.",
  "Could you pass me the salt and the pepper?",
  "The train to the city leaves at half past seven.",
  "We should paint the fence before the summer ends.",
  "My brother is coming over for dinner on Friday.",
  "The printer in the office has run out of paper again.",
  "Please set the oven to two hundred degrees.",
  "It looks like it is going to rain this afternoon.",
  "Have you seen the new film at the cinema downtown?",
  "The dog needs a walk before it gets dark.",
  "I need to buy bread, eggs and a bag of apples.",
  "She played the piano at the concert last night.",
  "Hey, can you help me carry these boxes upstairs?",
  "Hey there, how was your trip to the mountains?",
  "Hey everyone, dinner is ready in five minutes.",
  "Remind me what we talked about yesterday.",
  "The meeting has been moved to Thursday morning.",
  "Jars of jam were lined up on the kitchen shelf.",
  "Travis and Marvin went fishing at the lake.",
  "The rocks on the beach were warm from the sun.",
  "Rex is a common name for a dog in old stories.",
  "He checked the receipts twice before paying.",
  "Open the window, it is far too warm in here.",
  "Let me know when the washing machine is done.",
  "The children built a tower out of wooden blocks.",
  "Our neighbours have a cat that sleeps on our car.",
  "I think the battery in the smoke alarm is low.",
  "Turn the music up, this is my favourite song.",
  "How many cups of flour does the recipe need?",
  "The garden looks lovely after all that rain.",
  "Did anyone remember to lock the back door?",
  "We are out of coffee, so I will get some later.",
  "The bus was late again because of the roadworks.",
  "Alex said the package would arrive on Monday.",
  "Harvest festival starts next weekend in the village.",
  "A jar of honey costs more than it used to.",
  "There is a message for you on the answering machine.",
  "Please water the plants while I am away.",
  "That was the best soup I have had in years.",
  "Turn left at the church and then go straight on.",
  "Check whether the post has arrived yet.",
  "The football match was cancelled because of the storm.",
  "Can you hear that noise coming from the attic?",
  "My phone needs charging before we go out.",
  "Jasmine tea is best with a little honey.",
  "Harvey bought a red bicycle for his daughter.",
  "The library closes early on Saturdays.",
  "Let us play a game of cards after dinner.",
  "The service at that restaurant was very slow.",
  "Max and Rick are painting the garage this weekend.",
  "Wrecks of old ships lie at the bottom of the bay.",
  "Every morning I drink a glass of orange juice.",
  "What was the name of that song on the radio?",
  "Stop talking and listen to the forecast.",
  "I could not find the remote control anywhere.",
  "The heating comes on at six in the morning.",
  "Her jacket was hanging on the back of the chair.",
  "Okay, I will call you back in an hour.",
];

/** Phrases that sound close to a wake phrase but must not wake rex. */
export const NEAR_MISSES: Record<string, string[]> = {
  "hey jarvis": [
    "hey travis",
    "a jar of this",
    "hey jars",
    "hey harvest",
    "hey marvis",
    "hey service",
    "hey jasmine",
    "hey harvey",
    "jar vest",
    "hey jarred",
  ],
  "hey rex": [
    "hey rocks",
    "hey rick",
    "hey rest",
    "hey red",
    "hey tex",
    "pay checks",
    "hey racks",
    "hey wrecked",
    "hey max",
    "hey Rebecca",
  ],
};

const SUBJECTS = [
  "The old farmer", "My grandmother", "A young teacher", "The baker on the corner", "Our neighbour",
  "The captain", "A tired student", "The doctor", "My uncle", "The gardener", "A small boy",
  "The waitress", "The mayor", "An engineer", "The postman", "My best friend", "The painter",
  "A quiet woman", "The driver", "The shopkeeper", "The scientist", "A travelling musician",
];
const VERBS_PAST = [
  "carried", "painted", "found", "repaired", "cleaned", "sold", "borrowed", "opened", "moved",
  "watched", "described", "measured", "collected", "forgot", "wrapped", "counted", "lifted",
  "noticed", "ordered", "returned", "polished", "photographed",
];
const VERBS_BASE = [
  "carry", "paint", "find", "repair", "clean", "sell", "borrow", "open", "move", "watch",
  "describe", "measure", "collect", "wrap", "count", "lift", "order", "return", "polish", "check",
];
const ADJECTIVES = [
  "heavy", "green", "broken", "shiny", "wooden", "tiny", "enormous", "dusty", "bright", "soft",
  "narrow", "ancient", "careful", "quiet", "crowded", "empty", "warm", "cold", "yellow", "famous",
];
const NOUNS = [
  "basket", "window", "bicycle", "letter", "lantern", "kettle", "ladder", "map", "carpet",
  "suitcase", "violin", "clock", "blanket", "boat", "garden gate", "notebook", "teapot", "mirror",
  "umbrella", "wheelbarrow", "bookshelf", "fishing net",
];
const PLACES = [
  "near the river", "in the village square", "behind the station", "at the market",
  "under the bridge", "on the hill", "by the harbour", "in the back garden", "at the school",
  "outside the library", "in the kitchen", "on the top floor", "along the canal", "in the forest",
];
const TIMES = [
  "in the morning", "after lunch", "last winter", "before the storm", "on Sunday",
  "late at night", "every spring", "during the holidays", "at dawn", "yesterday evening",
  "next week", "a long time ago",
];
const REASONS = [
  "because it was getting late", "although nobody had asked", "so that the children could play",
  "while the rain kept falling", "since the shop was closed", "even though the road was muddy",
  "before anyone else arrived", "as the bells were ringing",
];
const TEMPLATES = [
  "{S} {P} the {A} {N} {L} {T}.",
  "{S} {P} a {A} {N} {R}.",
  "{T}, {s} {P} the {N} {L}.",
  "Nobody knew why {s} {P} the {A} {N}.",
  "If you {B} the {N} {L}, {s} will be pleased.",
  "It was {T} when {s} {P} the {A} {N}.",
  "Could someone {B} the {A} {N} {T}?",
  "We watched as {s} {P} the {N} {R}.",
  "The {A} {N} {L} was {P} by {s} {T}.",
  "Try to {B} the {N} carefully, {R}.",
  "{S} said that the {N} {L} looked {A}.",
  "There was a {A} {N} {L}, and {s} {P} it.",
  "Why did {s} {B} the {A} {N} {T}?",
  "Once {T}, {s} {P} every {N} {L}.",
];

/** Pseudo-random numbers in [0, 1) from a 32-bit seed (the mulberry32 generator). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Builds `count` paragraphs of `sentencesPerParagraph` sentences each from the templates.
 * The same seed always gives the same text.
 */
export function readingParagraphs(count: number, sentencesPerParagraph = 6, seed = 20240611): string[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const paragraphs: string[] = [];
  for (let p = 0; p < count; p++) {
    const sentences: string[] = [];
    for (let s = 0; s < sentencesPerParagraph; s++) {
      const subject = pick(SUBJECTS);
      const sentence = pick(TEMPLATES)
        .replace("{S}", subject)
        .replace("{s}", lowerFirst(subject))
        .replace("{P}", pick(VERBS_PAST))
        .replace("{B}", pick(VERBS_BASE))
        .replace("{A}", pick(ADJECTIVES))
        .replace("{N}", pick(NOUNS))
        .replace("{L}", pick(PLACES))
        .replace("{T}", pick(TIMES))
        .replace("{R}", pick(REASONS));
      sentences.push(sentence.charAt(0).toUpperCase() + sentence.slice(1));
    }
    paragraphs.push(sentences.join(" "));
  }
  return paragraphs;
}

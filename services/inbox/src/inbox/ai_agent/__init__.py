"""What the AI agent says and decides on a chat, stored: answers, handoffs, ratings."""

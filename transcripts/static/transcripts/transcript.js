// <button data-print> prints the page (the print stylesheet keeps only the transcript).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    event.preventDefault();
    window.print();
  }
});
